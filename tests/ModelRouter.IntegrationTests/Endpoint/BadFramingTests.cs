using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ModelRouter.IntegrationTests.Endpoint;

/// <summary>
/// Requests whose HTTP framing Kestrel refuses while the endpoint reads the body: the client gets Kestrel's status in
/// the endpoint's own error shape, and the log gets no error. Raw sockets on real Kestrel, because no HttpClient sends
/// such requests.
/// </summary>
[TestFixture]
public sealed class BadFramingTests
{
    private const string AppKey = "app-key-framing-0042";
    private const string ChatPath = "/router/framing/v1/chat/completions";
    private const string AdminPath = "/admin/routers";
    private const int KestrelBodyLimit = 64 * 1024;
    private const string Json = """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    private RouterHost _router = null!;
    private FakeLogCollector _logs = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var nowhere = $"http://127.0.0.1:{LoopbackApp.RefusedPort().ToString(CultureInfo.InvariantCulture)}/v1";
        _router = await RouterHost.StartAsync(
            new RouterSettings().Llm("nowhere", nowhere, "llm-key-nowhere").Router("framing", RouterSettings.Vendor("nowhere")).App("framing", AppKey, "framing"),
            configureHost: builder =>
            {
                builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug);
                builder.WebHost.ConfigureKestrel(kestrel =>
                {
                    // A trickling body is refused after two seconds instead of Kestrel's default five; Kestrel's body
                    // limit sits below the router's, so that Kestrel is the one to refuse an oversized body.
                    kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(2));
                    kestrel.Limits.MaxRequestBodySize = KestrelBodyLimit;
                });
            },
            configureApp: app => app.MapModelRouterAdmin("/admin", o => o.RequireAdminApiKey = false));
        _logs = _router.Services.GetFakeLogCollector();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _router.DisposeAsync();

    [SetUp]
    public void ClearLogs() => _logs.Clear();

    [TestCase(ChatPath)]
    [TestCase(AdminPath)]
    public async Task Post_ContentLengthAndChunkedWithPlainBody_Returns400(string path)
    {
        var response = await ExchangeAsync(path, $"Content-Length: {Encoding.UTF8.GetByteCount(Json)}\r\nTransfer-Encoding: chunked\r\n", Json);

        AssertRefusal(response, path, 400);
    }

    [TestCase(ChatPath)]
    [TestCase(AdminPath)]
    public async Task Post_MalformedChunk_Returns400(string path)
    {
        var response = await ExchangeAsync(path, "Transfer-Encoding: chunked\r\n", "zz\r\n" + Json + "\r\n0\r\n\r\n");

        AssertRefusal(response, path, 400);
    }

    [TestCase(ChatPath)]
    [TestCase(AdminPath)]
    public async Task Post_ClientEndsBodyBeforeContentLength_LogsNoError(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var connection = await RawHttpConnection.OpenAsync(_router.Port, timeout.Token);
        await connection.SendAsync(Head(path, "Content-Length: 100\r\n") + "{\"model\":", timeout.Token);
        connection.EndSending();

        // Kestrel takes the end of the request side for the client leaving and closes the connection; should it answer, 400.
        try
        {
            var response = await connection.ReadResponseAsync(cancellationToken: timeout.Token);
            Assert.That(response.Status, Is.EqualTo(400), response.Body);
        }
        catch (IOException)
        {
            // Closed or reset without an answer.
        }

        await WaitForRequestFinishedAsync(timeout.Token);
        Assert.That(_logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => $"{r.Level} {r.Category}: {r.Message}"), Is.Empty);
    }

    [TestCase(ChatPath, false)]
    [TestCase(ChatPath, true)]
    [TestCase(AdminPath, false)]
    [TestCase(AdminPath, true)]
    public async Task Post_BodyOverKestrelLimit_Returns413(string path, bool chunked)
    {
        var body = "{\"model\":\"gpt-4o\",\"pad\":\"" + new string('x', KestrelBodyLimit) + "\"}";
        var framing = chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n";
        var sent = chunked ? $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n" : body;

        var response = await ExchangeAsync(path, framing, sent);

        AssertRefusal(response, path, 413);
    }

    [TestCase(ChatPath)]
    [TestCase(AdminPath)]
    public async Task Post_BodyTricklingBelowMinimumRate_Returns408(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var connection = await RawHttpConnection.OpenAsync(_router.Port, timeout.Token);
        await connection.SendAsync(Head(path, "Content-Length: 100\r\n"), timeout.Token);

        // One byte every 200 ms (5 B/s against a minimum of 240 B/s) until the answer comes; at most 99 bytes.
        var answer = connection.ReadResponseAsync(cancellationToken: timeout.Token);
        for (var sent = 0; sent < 99 && !answer.IsCompleted; sent++)
        {
            try
            {
                await connection.SendAsync("{"u8.ToArray(), timeout.Token);
            }
            catch (IOException)
            {
                break; // The server answered and closed its side.
            }

            await Task.WhenAny(answer, Task.Delay(200, timeout.Token));
        }

        AssertRefusal(await answer, path, 408);
    }

    /// <summary>Waits for the host's "Request finished" record (event 2): the handler has returned and logged what it would log.</summary>
    private async Task WaitForRequestFinishedAsync(CancellationToken cancellationToken)
    {
        while (!_logs.GetSnapshot().Any(r => r.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && r.Id.Id == 2))
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task<RawHttpResponse> ExchangeAsync(string path, string framing, string body)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var connection = await RawHttpConnection.OpenAsync(_router.Port, timeout.Token);
        await connection.SendAsync(Head(path, framing) + body, timeout.Token);
        return await connection.ReadResponseAsync(cancellationToken: timeout.Token);
    }

    private static string Head(string path, string framing)
        => $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {AppKey}\r\nContent-Type: application/json\r\n{framing}\r\n";

    /// <summary>The status Kestrel chose, in the endpoint's own shape, logged below Warning and never with a stack trace.</summary>
    private void AssertRefusal(RawHttpResponse response, string path, int status)
    {
        Assert.That(response.Status, Is.EqualTo(status), response.Body);
        if (path == ChatPath)
        {
            Assert.That(response.Headers["Content-Type"], Does.StartWith("application/json"));
            var error = ErrorEnvelope.AssertBody(response.Body);
            Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
            Assert.That(error.Code, Is.EqualTo(status switch { 408 => "request_timeout", 413 => "request_too_large", _ => "invalid_request" }));
            Assert.That(error.Message, Is.Not.Empty);
        }
        else
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            Assert.That(response.Headers["Content-Type"], Does.StartWith("application/problem+json"));
            Assert.That(root.GetProperty("status").GetInt32(), Is.EqualTo(status), response.Body);
            Assert.That(root.GetProperty("detail").GetString(), Is.Not.Empty);
        }

        Assert.That(response.Body, Does.Not.Contain("   at ").And.Not.Contain("Exception"), "no stack trace or exception type in the answer");

        var records = _logs.GetSnapshot();
        Assert.That(records.Where(r => r.Level >= LogLevel.Warning).Select(r => $"{r.Level} {r.Category}: {r.Message}"), Is.Empty);
        var ours = records.Where(r => r.Category?.StartsWith("ModelRouter", StringComparison.Ordinal) == true).ToList();
        Assert.That(ours.Select(r => r.Level), Is.EqualTo(new[] { LogLevel.Debug }), "one Debug record from the endpoint");
        Assert.That(ours[0].Exception, Is.Null, "no stack trace in the log");
        Assert.That(ours[0].Message, Does.Contain(status.ToString(CultureInfo.InvariantCulture)));
    }
}
