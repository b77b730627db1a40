using System.Net;
using Microsoft.Extensions.Configuration;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>Fallback chains: a pool whose vendors all failed or cool hands the request to its fallback pools, in order.</summary>
public class FallbackPoolTests
{
    /// <summary>Router "prod": pool "claude" (claude-*, priority 10) over <paramref name="claude"/>, falling back to "gpt" (gpt-*) over <paramref name="gpt"/>, whose vendors map claude-3-opus to gpt-4o.</summary>
    private static ModelRouterConfig Chain(string[] claude, string[] gpt, int? maxAttempts = null, string[]? fallbacks = null) => new()
    {
        Llms = [.. claude.Concat(gpt).Select(Llm)],
        Routers =
        [
            new RouterConfig
            {
                Slug = "prod",
                Pools =
                [
                    Pool("claude", "claude-*", [.. claude.Select(id => Vendor(id))]) with { Priority = 10, MaxAttempts = maxAttempts, Fallbacks = fallbacks ?? ["gpt"] },
                    Pool("gpt", "gpt-*", [.. gpt.Select(id => Vendor(id, 1, true, ("claude-3-opus", "gpt-4o")))]),
                ],
            },
        ],
    };

    private static RouterHarness Harness(ModelRouterConfig config) => RouterHarness.Create(config, o => o.RequireAppKey = false);

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_EveryVendorOfThePoolFails_FallbackPoolServesWithItsOwnMapping(bool streaming)
    {
        await using var h = Harness(Chain(["a"], ["b"]));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).WithPartialContent("\"claude-3-opus\"").Respond(_ => Bodies.Status(HttpStatusCode.InternalServerError));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).WithPartialContent("\"gpt-4o\"").Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("claude-3-opus", streaming), appKey: null);

        Assert.Multiple(async () =>
        {
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(response.Pool, Is.EqualTo("gpt"));
            Assert.That(response.Model, Is.EqualTo("gpt-4o"));
            Assert.That(response.Attempts, Is.EqualTo(2));
            Assert.That(response.Trail, Is.EqualTo("a=500;pool:gpt;b=ok"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_FirstFallbackHasNoAvailableVendor_TheNextFallbackServes()
    {
        var config = Chain(["a"], ["b"], fallbacks: ["empty", "gpt"]);
        var router = config.Routers[0];
        config = config with
        {
            Routers = [router with { Pools = [.. router.Pools, Pool("empty", "never", Vendor("b", active: false))] }],
        };
        await using var h = Harness(config);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.ServiceUnavailable));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("claude-3-opus"), appKey: null);

        Assert.That(response.Trail, Is.EqualTo("a=503;pool:gpt;b=ok"));
    }

    [Test]
    public async Task RouteAsync_EveryPoolOfTheChainFails_Is502WithTheWholeTrail()
    {
        await using var h = Harness(Chain(["a"], ["b"]));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.InternalServerError));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.BadGateway));

        var error = await h.RouteFailsAsync(Bodies.Chat("claude-3-opus"), appKey: null);

        Assert.That(error.StatusCode, Is.EqualTo(502));
        Assert.That(error.Attempts, Is.EqualTo(2));
        Assert.That(error.Trail, Is.EqualTo("a=500;pool:gpt;b=502"));
    }

    [Test]
    public async Task RouteAsync_MatchedPoolsMaxAttempts_BoundsTheAttemptsOfTheWholeChain()
    {
        await using var h = Harness(Chain(["a", "c"], ["b", "d"], maxAttempts: 3));
        var calls = new Dictionary<string, int>();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            h.Http.When(HttpMethod.Post, ChatUrl(id)).Respond(_ =>
            {
                lock (calls)
                {
                    calls[id] = calls.GetValueOrDefault(id) + 1;
                }

                return Bodies.Status(HttpStatusCode.InternalServerError);
            });
        }

        var error = await h.RouteFailsAsync(Bodies.Chat("claude-3-opus"), appKey: null);

        Assert.That(error.Attempts, Is.EqualTo(3));
        Assert.That(calls.Values.Sum(), Is.EqualTo(3), "maxAttempts 3 of the matched pool bounds the request, fallbacks included");
        Assert.That(error.Trail, Does.Contain(";pool:gpt;"));
    }

    [Test]
    public void Validate_FallbackToAPoolTheRouterDoesNotHave_IsRefused()
    {
        var errors = Validator().ValidateFields(Chain(["a"], ["b"], fallbacks: ["gtp"]));

        Assert.That(errors.Select(e => e.Path), Does.Contain("routers[0].pools[0].fallbacks[0]"));
        Assert.That(errors.Single(e => e.Path == "routers[0].pools[0].fallbacks[0]").Message, Does.Contain("'gtp' is not a pool of this router"));
    }

    [TestCase("claude")]
    [TestCase("gpt")]
    public void Validate_FallbacksThatLeadBackToThePool_AreRefusedAsACycle(string gptFallsBackTo)
    {
        var config = Chain(["a"], ["b"]);
        var router = config.Routers[0];
        config = config with { Routers = [router with { Pools = [router.Pools[0], router.Pools[1] with { Fallbacks = [gptFallsBackTo] }] }] };

        var errors = Validator().ValidateFields(config);

        Assert.That(errors.Where(e => e.Path.EndsWith(".fallbacks", StringComparison.Ordinal)).Select(e => e.Message), Has.Some.Contains("cycle"));
    }

    [Test]
    public void ReadConfig_PoolFallbacksFromAConfigurationFile_AreRead()
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["routers:0:slug"] = "prod",
                ["routers:0:pools:0:name"] = "claude",
                ["routers:0:pools:0:fallbacks:0"] = "gpt",
                ["routers:0:pools:0:fallbacks:1"] = "any",
            })
            .Build();

        var config = ModelRouter.Storage.ConfigurationReader.ReadConfig(section);

        Assert.That(config.Routers[0].Pools[0].Fallbacks, Is.EqualTo(new[] { "gpt", "any" }));
    }
}
