using ModelRouter.Configuration;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>
/// Per-app limits in process: requests and tokens per minute, in fixed windows on the router's clock; a refusal is a
/// 429 with the time left in the window, made before any vendor is called.
/// </summary>
public class AppRateLimitTests
{
    /// <summary>An answer whose usage counts 6 + 5 = 11 tokens.</summary>
    private const string AnswerOf11Tokens = """
        {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":6,"completion_tokens":5,"total_tokens":11}}
        """;

    [Test]
    public async Task RequestsPerMinute_TheRequestOverTheLimit_Is429WithTheTimeLeftInTheWindow_AndReachesNoVendor()
    {
        using var h = RouterHarness.Create(WithLimits(OnePool("a"), "team-a", requestsPerMinute: 2));
        var a = h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond("application/json", AnswerOf11Tokens);

        await ServeAsync(h);
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await ServeAsync(h);
        h.Time.Advance(TimeSpan.FromSeconds(15));
        var refused = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));
            Assert.That(refused.StatusCode, Is.EqualTo(429));
            Assert.That(refused.ErrorType, Is.EqualTo("rate_limit_error"));
            Assert.That(refused.ErrorCode, Is.EqualTo("rate_limit_exceeded"));
            Assert.That(refused.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(25)), "the window started at the first request's minute");
            Assert.That(refused.Message, Does.Contain("team-a").And.Contain("2 requests per minute"));
            Assert.That(refused.Attempts, Is.Zero);
            Assert.That(h.Http.GetMatchCount(a), Is.EqualTo(2));
        });

        // Another app is not held back by team-a's window.
        await ServeAsync(h, OtherAppKey, "other");

        h.Time.Advance(TimeSpan.FromSeconds(25));
        await ServeAsync(h);
    }

    [Test]
    public async Task TokensPerMinute_CountedFromEachAnswersUsage_ARequestWhileOverTheWindowIsRefused()
    {
        using var h = RouterHarness.Create(WithLimits(OnePool("a"), "team-a", tokensPerMinute: 20));
        var a = h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond("application/json", AnswerOf11Tokens);

        await ServeAsync(h); // 11 of 20
        await ServeAsync(h); // 22: over, but this request started under the limit
        h.Time.Advance(TimeSpan.FromSeconds(50));
        var refused = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));
            Assert.That(refused.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(refused.Message, Does.Contain("20 tokens per minute"));
            Assert.That(h.Http.GetMatchCount(a), Is.EqualTo(2));
        });

        h.Time.Advance(TimeSpan.FromSeconds(10));
        await ServeAsync(h);
    }

    [Test]
    public async Task TokensPerMinute_AStreamsUsageCounts()
    {
        const string Events = """
            data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}

            data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":6,"completion_tokens":5,"total_tokens":11}}

            data: [DONE]


            """;
        using var h = RouterHarness.Create(WithLimits(OnePool("a"), "team-a", tokensPerMinute: 10));
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond("text/event-stream", Events);

        await ServeAsync(h, body: Bodies.Chat("m", streaming: true));
        var refused = await h.RouteFailsAsync(Bodies.Chat("m", streaming: true));

        Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));
    }

    [Test]
    public async Task ChangedLimits_ApplyWithoutRestart_AndAnAppWhoseLimitsDidNotChangeKeepsItsWindow()
    {
        var config = WithLimits(WithLimits(OnePool("a"), "team-a", requestsPerMinute: 1), "team-b", requestsPerMinute: 1);
        using var h = RouterHarness.Create(config);
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond("application/json", AnswerOf11Tokens);
        await ServeAsync(h);
        await ServeAsync(h, OtherAppKey, "other");
        Assert.That((await h.RouteFailsAsync(Bodies.Chat("m"))).Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));

        h.Store.Update(WithLimits(config, "team-a", requestsPerMinute: 3));
        await h.Snapshots.ReloadAsync();

        await ServeAsync(h);
        var other = await h.RouteFailsAsync(Bodies.Chat("m"), OtherAppKey, "other");
        Assert.That(other.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited), "team-b's limits did not change: its window goes on");

        h.Store.Update(WithLimits(config, "team-b", requestsPerMinute: null));
        await h.Snapshots.ReloadAsync();
        await ServeAsync(h, OtherAppKey, "other");
        await ServeAsync(h, OtherAppKey, "other");
    }

    private static ModelRouterConfig WithLimits(ModelRouterConfig config, string app, int? requestsPerMinute = null, int? tokensPerMinute = null)
        => config with
        {
            Apps = [.. config.Apps.Select(a => a.Name == app ? a with { RequestsPerMinute = requestsPerMinute, TokensPerMinute = tokensPerMinute } : a)],
        };

    private static async Task ServeAsync(RouterHarness h, string appKey = AppKey, string slug = "prod", string? body = null)
    {
        await using var response = await h.RouteAsync(body ?? Bodies.Chat("m"), appKey, slug);
        await Bodies.ReadAllAsync(response);
    }
}
