using System.Net;
using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>A stream commits to the client at its first content-bearing event; a break after that counts against the vendor.</summary>
public class StreamCommitTests
{
    private const string RoleChunk = """data: {"id":"from-a","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""" + "\n\n";
    private const string ContentChunk = """data: {"id":"from-a","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"partial"},"finish_reason":null}]}""" + "\n\n";
    private const string ErrorEvent = """data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}""" + "\n\n";

    private static HttpResponseMessage EventStream(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static HttpResponseMessage EventStream(string body) => EventStream(new MemoryStream(Encoding.UTF8.GetBytes(body)));

    /// <summary>Each provider's stream that says who it is and then fails before any content.</summary>
    private static string PreambleThenError(string provider) => provider == ProviderKinds.Anthropic
        ? ProviderVendors.AnthropicEvents(
            """{"type":"message_start","message":{"id":"from-a","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}}""",
            """{"type":"ping"}""",
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")
        : RoleChunk + ErrorEvent;

    [TestCaseSource(typeof(ProviderVendors), nameof(ProviderVendors.Kinds))]
    public async Task RouteAsync_RolePreambleThenErrorEvent_FailsOverWithNothingOfItSent(string provider)
    {
        await using var h = RouterHarness.Create(ProviderVendors.Config(provider));
        h.Http.Expect(HttpMethod.Post, ProviderVendors.UrlA(provider)).Respond(_ => EventStream(PreambleThenError(provider)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var text = await Bodies.ReadAllAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(response.Trail, Is.EqualTo("a=error;b=ok"));
            Assert.That(text, Does.Contain("from-b"));
            Assert.That(text, Does.Not.Contain("from-a"), "nothing of the failed vendor's stream reaches the client");
        });
    }

    [Test]
    public async Task RouteAsync_RolePreambleThenCut_FailsOverWithNothingOfItSent()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(new BrokenStream(Encoding.UTF8.GetBytes(RoleChunk))));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var text = await Bodies.ReadAllAsync(response);

        Assert.That(response.Llm, Is.EqualTo("b"));
        Assert.That(text, Does.Not.Contain("from-a"));
    }

    [Test]
    public async Task RouteAsync_RolePreambleThenDone_IsAnEmptyAnswerAndFailsOver()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(RoleChunk + "data: [DONE]\n\n"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        await Bodies.ReadAllAsync(response);

        Assert.That(response.Trail, Is.EqualTo("a=empty;b=ok"));
    }

    [Test]
    public async Task RouteAsync_RolePreambleThenContent_RelaysBothInOrder()
    {
        var events = RoleChunk + ": keep-alive\n\n" + ContentChunk + "data: [DONE]\n\n";
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(events));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(await Bodies.ReadAllAsync(response), Is.EqualTo(events));
    }

    [Test]
    public async Task ReadStreamChunkAsync_CutAfterCommit_CountsAgainstTheVendorsBreaker()
    {
        await using var h = RouterHarness.Create(OnePool("a"), o =>
        {
            o.FailureThreshold = 3;
            o.BreakerSamplingSeconds = 60;
            o.CooldownSeconds = 30;
        });
        var calls = 0;
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            Interlocked.Increment(ref calls);
            return EventStream(new BrokenStream(Encoding.UTF8.GetBytes(ContentChunk)));
        });

        for (var i = 0; i < 3; i++)
        {
            var cut = await h.RouteFailsAsync(Bodies.Chat("m", streaming: true));
            Assert.That(cut.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
        }

        var refused = await h.RouteFailsAsync(Bodies.Chat("m", streaming: true));

        Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.NoAvailableVendor), "three streams cut after commit opened the breaker");
        Assert.That(calls, Is.EqualTo(3));
    }
}
