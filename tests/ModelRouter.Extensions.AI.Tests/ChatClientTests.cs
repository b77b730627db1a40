using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelRouter.Configuration;
using ModelRouter.Extensions.AI;
using RichardSzalay.MockHttp;

namespace ModelRouter.Extensions.AI.Tests;

/// <summary>The router as an <see cref="IChatClient"/>: the same routing as the HTTP face, through Microsoft.Extensions.AI's types.</summary>
public class ChatClientTests
{
    private static readonly ModelRouterChatClientOptions Client = new() { DefaultModel = "gpt-4o", AppKey = TestConfigs.AppKey };

    [TestCaseSource(typeof(ProviderVendors), nameof(ProviderVendors.Kinds))]
    public async Task GetResponse_EachProvider_ReturnsTheVendorsText(string provider)
    {
        using var h = RouterHarness.Create(ProviderVendors.Config(provider));
        var sent = "";
        h.Http.When(HttpMethod.Post, ProviderVendors.UrlA(provider)).With(r => Capture(r, ref sent))
            .Respond(ProviderVendors.MediaType(false), ProviderVendors.Answer(provider, streaming: false, "hello from a"));

        var response = await h.Router.AsIChatClient("prod", Client).GetResponseAsync("Say hello");

        Assert.That(response.Text, Is.EqualTo("hello from a"));
        Assert.That(sent, Does.Contain("Say hello"), "the messages reached the vendor");
        if (provider == ProviderKinds.Anthropic)
        {
            Assert.That(response.Usage?.InputTokenCount, Is.EqualTo(3));
            Assert.That(response.Usage?.OutputTokenCount, Is.EqualTo(2));
        }
    }

    [TestCaseSource(typeof(ProviderVendors), nameof(ProviderVendors.Kinds))]
    public async Task GetStreamingResponse_EachProvider_StreamsTheVendorsText(string provider)
    {
        using var h = RouterHarness.Create(ProviderVendors.Config(provider));
        h.Http.When(HttpMethod.Post, ProviderVendors.UrlA(provider))
            .Respond(ProviderVendors.MediaType(true), ProviderVendors.Answer(provider, streaming: true, "streamed from a"));

        var text = new StringBuilder();
        var updates = 0;
        await foreach (var update in h.Router.AsIChatClient("prod", Client).GetStreamingResponseAsync("Stream please"))
        {
            text.Append(update.Text);
            updates++;
        }

        Assert.That(text.ToString(), Is.EqualTo("streamed from a"));
        Assert.That(updates, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void RouterErrors_ArriveWithTheRoutersStatusAndMessage()
    {
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"));

        var unknown = Assert.ThrowsAsync<ClientResultException>(() => h.Router.AsIChatClient("nope", Client).GetResponseAsync("hi"));
        var noKey = Assert.ThrowsAsync<ClientResultException>(() => h.Router.AsIChatClient("prod", new() { DefaultModel = "gpt-4o" }).GetResponseAsync("hi"));
        var otherApp = Assert.ThrowsAsync<ClientResultException>(() => h.Router.AsIChatClient("prod", new() { DefaultModel = "gpt-4o", AppKey = TestConfigs.OtherAppKey }).GetResponseAsync("hi"));

        Assert.That(unknown!.Status, Is.EqualTo(404));
        Assert.That(unknown.Message, Does.Contain("No active router 'nope'"));
        Assert.That(noKey!.Status, Is.EqualTo(401));
        Assert.That(otherApp!.Status, Is.EqualTo(403));
    }

    [Test]
    public async Task TrustedCaller_NeedsNoAppKey()
    {
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"));
        h.Http.When(HttpMethod.Post, TestConfigs.ChatUrl("a")).Respond("application/json", ProviderVendors.Answer(ProviderKinds.OpenAI, false, "trusted"));

        var response = await h.Router.AsIChatClient("prod", new() { DefaultModel = "gpt-4o", TrustedCaller = true }).GetResponseAsync("hi");

        Assert.That(response.Text, Is.EqualTo("trusted"));
    }

    [Test]
    public void AllVendorsRateLimited_IsA429_AndTheLibraryDoesNotRetry()
    {
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"));
        var a = h.Http.When(HttpMethod.Post, TestConfigs.ChatUrl("a"))
            .Respond(_ => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(7)) }, Content = new StringContent("""{"error":{"message":"slow down","type":"rate_limit_error"}}""", Encoding.UTF8, "application/json") });

        var router = new CountingRouter(h.Router);

        var ex = Assert.ThrowsAsync<ClientResultException>(() => router.AsIChatClient("prod", Client).GetResponseAsync("hi"));

        Assert.That(ex!.Status, Is.EqualTo(429));
        Assert.That(ex.GetRawResponse()?.Headers.TryGetValue("Retry-After", out _), Is.True);
        Assert.That(h.Http.GetMatchCount(a), Is.EqualTo(1));
        Assert.That(router.Calls, Is.EqualTo(1), "one call: failover is the router's, the OpenAI library's retries are off");
    }

    [Test]
    public void StreamCutAfterItStarted_EndsTheEnumerationWithAnError()
    {
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"));
        h.Http.When(HttpMethod.Post, TestConfigs.ChatUrl("a")).Respond(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new CutStream("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part\"}}]}\n\n"))
            {
                Headers = { ContentType = new("text/event-stream") },
            },
        });

        var ex = Assert.CatchAsync(async () => await StreamTextAsync(h.Router.AsIChatClient("prod", Client)));

        Assert.That(ex, Is.InstanceOf<IOException>().Or.InnerException.InstanceOf<IOException>());
        Assert.That(ex!.ToString(), Does.Contain("stream").IgnoreCase);
        Assert.That(ex.ToString(), Does.Not.Contain(TestConfigs.KeyOf("a")));
    }

    private static async Task<string> StreamTextAsync(IChatClient client)
    {
        var text = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("hi"))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }

    private static bool Capture(HttpRequestMessage request, ref string sent)
    {
        sent = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
        return true;
    }

    /// <summary>Counts the calls that reach the router.</summary>
    private sealed class CountingRouter(ModelRouter.Routing.IModelRouter inner) : ModelRouter.Routing.IModelRouter
    {
        private int _calls;

        public int Calls => _calls;

        public ValueTask<ModelRouter.Routing.ModelRouterResponse> RouteAsync(ModelRouter.Routing.ModelRouterRequest request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return inner.RouteAsync(request, cancellationToken);
        }

        public ModelRouter.Routing.ModelRouterExplanation Explain(string routerSlug, string model) => inner.Explain(routerSlug, model);
    }

    /// <summary>Sends one event, then breaks like a dropped connection.</summary>
    private sealed class CutStream(string first) : ReadOnlyTestStream
    {
        private byte[]? _first = Encoding.UTF8.GetBytes(first);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_first is { } bytes)
            {
                _first = null;
                bytes.CopyTo(buffer);
                return ValueTask.FromResult(bytes.Length);
            }

            throw new IOException("The connection was reset.");
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }
}
