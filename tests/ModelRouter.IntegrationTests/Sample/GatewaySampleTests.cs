using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.Sample;

/// <summary>
/// The README's promise: the sample gateway, started as built (<c>dotnet ModelRouter.Gateway.dll --urls ...</c>) with its
/// own appsettings.json, answers the curl example through the embedded demo vendor.
/// </summary>
[TestFixture]
public sealed partial class GatewaySampleTests
{
    private const string DemoKey = "demo-app-key";
    private const string ReadmeBody = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}""";
    private static readonly TimeSpan s_startupDeadline = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process _gateway = null!;
    private HttpClient _client = null!;
    private Uri _baseAddress = null!;

    [OneTimeSetUp]
    public async Task StartGateway()
    {
        var sampleDirectory = SampleOutputDirectory();
        var dll = Path.Combine(sampleDirectory, "ModelRouter.Gateway.dll");
        Assert.That(File.Exists(dll), Is.True, $"the sample is built next to the tests: {dll}");
        Assert.That(File.Exists(Path.Combine(sampleDirectory, "appsettings.json")), Is.True);

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = sampleDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _gateway = new Process { StartInfo = start, EnableRaisingEvents = true };
        _gateway.OutputDataReceived += (_, e) => OnOutput(e.Data, listening);
        _gateway.ErrorDataReceived += (_, e) => OnOutput(e.Data, listening);
        _gateway.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The gateway exited before it listened."));
        _gateway.Start();
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();

        try
        {
            _baseAddress = await listening.Task.WaitAsync(s_startupDeadline);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            Assert.Fail($"The gateway did not start: {ex.Message}\n{Output()}");
        }

        Assert.That(_baseAddress.Host, Is.EqualTo("127.0.0.1"));
        _client = new HttpClient { BaseAddress = _baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public void StopGateway()
    {
        _client?.Dispose();
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill(entireProcessTree: true);
            _gateway.WaitForExit(10_000);
        }

        _gateway?.Dispose();
    }

    [Test]
    public async Task ReadmeCurl_DemoRouter_AnswersFromDemoVendor()
    {
        using var response = await PostAsync(ReadmeBody);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.AnyOf("demo-a", "demo-b"));
        Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "1" }));
        using var json = JsonDocument.Parse(text);
        var content = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.That(content, Does.StartWith("Hello from the ModelRouter demo vendor").And.EndWith("You said: Hello"));
    }

    [Test]
    public async Task ReadmeCurlWithStreamTrue_DemoRouter_StreamsFromDemoVendor()
    {
        using var response = await PostAsync(ReadmeBody.Replace("\"messages\"", "\"stream\":true,\"messages\"", StringComparison.Ordinal));

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        var events = Sse.DataOf(text);
        Assert.That(events[^1], Is.EqualTo("[DONE]"));
        var reply = string.Concat(events.SkipLast(1).Select(e =>
        {
            using var chunk = JsonDocument.Parse(e);
            return chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : "";
        }));
        Assert.That(reply, Does.StartWith("Hello from the ModelRouter demo vendor").And.Contain("You said: Hello"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task OpenAISdk_DemoRouter_Answers(bool streaming)
    {
        var client = new ChatClient("gpt-4o", new ApiKeyCredential(DemoKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(_baseAddress, "router/demo/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

        string reply;
        if (streaming)
        {
            var text = new StringBuilder();
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
            {
                text.AppendJoin("", update.ContentUpdate.Select(p => p.Text));
            }

            reply = text.ToString();
        }
        else
        {
            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello")]);
            reply = completion.Content[0].Text;
        }

        Assert.That(reply, Does.StartWith("Hello from the ModelRouter demo vendor").And.Contain("You said: Hello"));
    }

    [Test]
    public async Task Healthz_Started_IsHealthy()
    {
        using var response = await _client.GetAsync("/healthz");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), Output());
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task AdminUi_MappedAtAdminUi_ServesTheAppWithItsSecurityHeaders()
    {
        using var page = await _client.GetAsync("/admin/ui/");
        using var script = await _client.GetAsync("/admin/ui/app.js");

        var html = await page.Content.ReadAsStringAsync();
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), Output());
        Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("frame-ancestors 'none'"));
        Assert.That(html, Does.Contain("""<meta name="modelrouter-admin-api" content="/admin">"""));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
    }

    [Test]
    public async Task ReadmeCurl_WrongKey_Returns401()
    {
        using var response = await PostAsync(ReadmeBody, key: "not-the-demo-key");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    /// <summary>The sample's build output for the tests' configuration: samples/ModelRouter.Gateway/bin/{Configuration}/{tfm}.</summary>
    private static string SampleOutputDirectory()
    {
        var testDirectory = TestContext.CurrentContext.TestDirectory;
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ModelRouter.Core.sln")))
        {
            root = root.Parent;
        }

        Assert.That(root, Is.Not.Null, "the repository root above " + testDirectory);
        var outputPath = Path.GetRelativePath(Path.Combine(root!.FullName, "tests", "ModelRouter.IntegrationTests"), testDirectory);
        return Path.Combine(root.FullName, "samples", "ModelRouter.Gateway", outputPath);
    }

    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();

    private void OnOutput(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string key = DemoKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/demo/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _client.SendAsync(request);
    }
}
