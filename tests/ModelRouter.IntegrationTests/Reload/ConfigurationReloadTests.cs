using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelRouter.IntegrationTests.Reload;

/// <summary>Rewriting <c>appsettings.json</c> re-routes new requests; a request in flight keeps the snapshot it started with.</summary>
[TestFixture]
public sealed class ConfigurationReloadTests
{
    private const string AppKey = "reload-app-key-0001";
    private const string InFlightPrompt = "in flight";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private TaskCompletionSource _inFlightArrived = NewSignal();
    private TaskCompletionSource _releaseInFlight = NewSignal();
    private FakeVendor _old = null!;
    private FakeVendor _new = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // The old vendor holds the "in flight" request until the test releases it; it answers everything else at once.
        _old = await FakeVendor.StartAsync("old", async (context, request) =>
        {
            if (request.LastUserText == InFlightPrompt)
            {
                _inFlightArrived.TrySetResult();
                await _releaseInFlight.Task.WaitAsync(s_deadline);
            }

            await FakeVendor.AnswerAsync(context, request, "reply from old");
        });
        _new = await FakeVendor.StartAsync("new");
        _router = await RouterHost.StartAsync(Settings(toNew: false));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _releaseInFlight.TrySetResult();
        await _router.DisposeAsync();
        await _old.DisposeAsync();
        await _new.DisposeAsync();
    }

    [SetUp]
    public async Task RouteToOld()
    {
        _inFlightArrived = NewSignal();
        _releaseInFlight = NewSignal();
        await _router.RewriteSettingsAsync(Settings(toNew: false));
        await PollUntilServedByAsync("old");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RewriteSettings_RouterPointsElsewhere_NewRequestsRouteThereAndInFlightCompletes(bool streaming)
    {
        var inFlight = SendAsync(streaming, InFlightPrompt);
        await _inFlightArrived.Task.WaitAsync(s_deadline);

        await _router.RewriteSettingsAsync(Settings(toNew: true));
        var polls = await PollUntilServedByAsync("new", streaming);
        _releaseInFlight.TrySetResult();
        using var inFlightResponse = await inFlight.WaitAsync(s_deadline);

        Assert.That(polls, Is.GreaterThanOrEqualTo(1));
        Assert.That(inFlightResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(inFlightResponse.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "old" }));
        var text = await inFlightResponse.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain("old"));
        if (streaming)
        {
            Assert.That(Sse.DataOf(text)[^1], Is.EqualTo("[DONE]"), "the in-flight stream completed");
        }

        Assert.That(_new.Requests.Any(r => r.LastUserText == InFlightPrompt), Is.False);
    }

    [Test]
    public async Task RewriteSettings_InvalidConfiguration_KeepsLastGoodOne()
    {
        var rejectedBefore = _router.Changes.Rejected;
        var broken = Settings(toNew: true).Llm("broken", "not a url", "llm-key-broken");

        await _router.RewriteSettingsAsync(broken);
        var clock = Stopwatch.StartNew();
        while (_router.Changes.Rejected == rejectedBefore && clock.Elapsed < s_deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(_router.Changes.Rejected, Is.GreaterThan(rejectedBefore), "the broken settings were read and rejected");
        using var response = await SendAsync(streaming: false, "still there?");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "old" }), "the last good configuration stays in use");
    }

    [TestCase("renamed")]
    [TestCase("settings only")]
    public async Task RewriteSettings_EveryRouterAndAppDropped_KeepsLastGoodOne(string change)
    {
        var rejectedBefore = _router.Changes.Rejected;
        var appliedBefore = _router.Changes.Applied;
        var current = JsonNode.Parse(Settings(toNew: false).ToJson())!.AsObject();
        var dropped = change == "renamed"
            ? new JsonObject { ["ModelRouterOld"] = current["ModelRouter"]!.DeepClone() }
            : new JsonObject { ["ModelRouter"] = new JsonObject { ["adminApiKey"] = "reload-admin-key-0001", ["store"] = new JsonObject { ["kind"] = "configuration" } } };

        await _router.RewriteSettingsAsync(dropped);
        var clock = Stopwatch.StartNew();
        while (_router.Changes.Rejected == rejectedBefore && _router.Changes.Applied == appliedBefore && clock.Elapsed < s_deadline)
        {
            await Task.Delay(50);
        }

        Assert.That(_router.Changes.Applied, Is.EqualTo(appliedBefore), "a configuration without routers and apps was applied");
        Assert.That(_router.Changes.Rejected, Is.GreaterThan(rejectedBefore), "the change was read and refused");
        using var response = await SendAsync(streaming: false, "still there?");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "old" }), "the last good configuration stays in use");
    }

    [TestCase("cooldownSeconds", "\"abc\"")]
    [TestCase("failureThreshold", "1")]
    [TestCase("maxJsonDepth", "0")]
    public async Task RewriteSettings_InvalidHostSetting_KeepsServingWithTheLastGoodSettings(string key, string invalidJson)
    {
        // The same rewrite also lowers the body limit to 10 bytes: refused as a whole, requests keep the old limit.
        await _router.RewriteSettingsAsync(Settings(toNew: false).Setting("maxRequestBodyBytes", 10).Setting(key, System.Text.Json.Nodes.JsonNode.Parse(invalidJson)));

        var clock = Stopwatch.StartNew();
        var answers = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(1.5) || answers < 5)
        {
            using var response = await SendAsync(streaming: answers % 2 == 1, "still served?");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "old" }));
            answers++;
            await Task.Delay(50);
        }

        // The control: the same lower limit alone is valid, applies, and then refuses the same request.
        await _router.RewriteSettingsAsync(Settings(toNew: false).Setting("maxRequestBodyBytes", 10));
        clock.Restart();
        HttpStatusCode status;
        do
        {
            using var response = await SendAsync(streaming: false, "still served?");
            status = response.StatusCode;
            await Task.Delay(50);
        }
        while (status != HttpStatusCode.RequestEntityTooLarge && clock.Elapsed < s_deadline);

        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), "a valid change of the same setting applies");
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RouterSettings Settings(bool toNew) => new RouterSettings()
        .Llm(_old)
        .Llm(_new)
        .Router("live", RouterSettings.Vendor(toNew ? "new" : "old"))
        .App("reload", AppKey, "*");

    private Task<int> PollUntilServedByAsync(string vendor, bool streaming = false) => PollUntilAsync("live", vendor, streaming);

    /// <summary>Sends requests until one is served by <paramref name="vendor"/>, for at most the deadline.</summary>
    private async Task<int> PollUntilAsync(string slug, string vendor, bool streaming)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        for (var polls = 1; ; polls++)
        {
            using (var response = await SendAsync(streaming, "poll", slug))
            {
                if (response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("x-model-router-vendor", out var served) && served.Single() == vendor)
                {
                    return polls;
                }

                last = $"{(int)response.StatusCode} from {(response.Headers.TryGetValues("x-model-router-vendor", out var from) ? from.Single() : "no vendor")}: {await response.Content.ReadAsStringAsync()}";
            }

            if (clock.Elapsed > s_deadline)
            {
                Assert.Fail($"Router '{slug}' did not route to '{vendor}' within {s_deadline.TotalSeconds} s of the settings change (revisions applied {_router.Changes.Applied}, rejected {_router.Changes.Rejected}); last answer: {last}");
            }

            await Task.Delay(100);
        }
    }

    private Task<HttpResponseMessage> SendAsync(bool streaming, string prompt, string slug = "live")
    {
        var body = $$"""{"model":"gpt-4o","stream":{{(streaming ? "true" : "false")}},"messages":[{"role":"user","content":"{{prompt}}"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, $"router/{slug}/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        return SendOwnedAsync(request);
    }

    private async Task<HttpResponseMessage> SendOwnedAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await _router.Client.SendAsync(request);
        }
    }
}
