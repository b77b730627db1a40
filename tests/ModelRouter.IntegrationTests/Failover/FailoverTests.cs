using System.ClientModel;
using System.Text;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.Failover;

/// <summary>
/// Failover before the first byte, over real HTTP: the first vendor fails, the second answers. Every case has its
/// own router, so that round-robin starts at the failing vendor.
/// </summary>
[TestFixture]
public sealed class FailoverTests
{
    private const string AppKey = "failover-app-key-01";

    private FakeVendor _fails500 = null!;
    private FakeVendor _fails429 = null!;
    private FakeVendor _rejects400 = null!;
    private FakeVendor _healthy = null!;
    private FakeVendor _spare = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _fails500 = await FakeVendor.StartAsync("fails-500", (context, _) =>
            FakeVendor.JsonAsync(context, 500, FakeVendor.Error("internal failure at 10.1.2.3", "server_error", null, null)));
        _fails429 = await FakeVendor.StartAsync("fails-429", (context, _) =>
        {
            context.Response.Headers.RetryAfter = "20";
            return FakeVendor.JsonAsync(context, StatusCodes.Status429TooManyRequests, FakeVendor.Error("Rate limit reached", "requests", null, "rate_limit_exceeded"));
        });
        _rejects400 = await FakeVendor.StartAsync("rejects-400", (context, _) =>
            FakeVendor.JsonAsync(context, 400, FakeVendor.Error("Invalid value for 'temperature': 7 is above 2.", "invalid_request_error", "temperature", "invalid_value")));
        _healthy = await FakeVendor.StartAsync("healthy");
        _spare = await FakeVendor.StartAsync("spare");
        var settings = new RouterSettings()
            .Llm(_fails500).Llm(_fails429).Llm(_rejects400).Llm(_healthy).Llm(_spare)
            .Llm("fails-429-json", _fails429.BaseUrl, "llm-key-fails-429").Llm("fails-429-sse", _fails429.BaseUrl, "llm-key-fails-429")
            .Llm("refused", $"http://127.0.0.1:{LoopbackApp.RefusedPort()}/v1", "llm-key-refused");
        foreach (var mode in new[] { "json", "sse" })
        {
            settings
                .Router("on-500-" + mode, RouterSettings.Vendor("fails-500"), RouterSettings.Vendor("healthy"))
                .Router("on-429-" + mode, RouterSettings.Vendor("fails-429-" + mode), RouterSettings.Vendor("healthy"))
                .Router("on-refused-" + mode, RouterSettings.Vendor("refused"), RouterSettings.Vendor("healthy"))
                .Router("on-400-" + mode, RouterSettings.Vendor("rejects-400"), RouterSettings.Vendor("spare"));
        }

        _router = await RouterHost.StartAsync(settings.App("failover", AppKey, "*"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        foreach (var vendor in new[] { _fails500, _fails429, _rejects400, _healthy, _spare })
        {
            await vendor.DisposeAsync();
        }
    }

    [TestCase("500", false)]
    [TestCase("500", true)]
    [TestCase("429", false)]
    [TestCase("429", true)]
    [TestCase("refused", false)]
    [TestCase("refused", true)]
    public async Task CompleteChat_FirstVendorFails_SecondVendorAnswers(string failure, bool streaming)
    {
        var failing = failure switch { "500" => _fails500, "429" => _fails429, _ => null };
        var failingBefore = failing?.Requests.Count ?? 0;
        var healthyBefore = _healthy.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.ChatClient($"on-{failure}-{Mode(streaming)}", AppKey, "gpt-4o", headers);

        var answer = await AskAsync(client, streaming);

        Assert.That(answer, Is.EqualTo("reply from healthy"));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("healthy"));
        Assert.That(headers["x-model-router-attempts"], Is.EqualTo("2"));
        Assert.That(_healthy.Requests.Count - healthyBefore, Is.EqualTo(1));
        if (failing is not null)
        {
            Assert.That(failing.Requests.Count - failingBefore, Is.EqualTo(1), "the failing vendor was tried first, once");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task CompleteChat_FirstVendorAnswers400_NoFailoverAndErrorPassedThrough(bool streaming)
    {
        var rejectsBefore = _rejects400.Requests.Count;
        var spareBefore = _spare.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.ChatClient($"on-400-{Mode(streaming)}", AppKey, "gpt-4o", headers);

        var error = Assert.ThrowsAsync<ClientResultException>(() => AskAsync(client, streaming));

        Assert.That(error!.Status, Is.EqualTo(400));
        Assert.That(error.Message, Does.Contain("Invalid value for 'temperature': 7 is above 2."));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("rejects-400"));
        Assert.That(_rejects400.Requests.Count - rejectsBefore, Is.EqualTo(1));
        Assert.That(_spare.Requests.Count - spareBefore, Is.Zero, "the second vendor is never called for the request's own fault");
    }

    private static string Mode(bool streaming) => streaming ? "sse" : "json";

    private static async Task<string> AskAsync(ChatClient client, bool streaming)
    {
        if (!streaming)
        {
            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hi")]);
            return completion.Content[0].Text;
        }

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        return text.ToString().TrimEnd();
    }
}
