using System.Net;
using System.Net.Http.Headers;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Selection;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.FailoverVendors;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary><see cref="IModelRouter.Explain"/>: the pool, the pools passed over, the order of the candidates and every skip, on fake time.</summary>
public class ExplainTests
{
    private ScriptedVendors _vendors = null!;
    private int _callsA;
    private Func<HttpResponseMessage> _answerA = null!;

    [SetUp]
    public void SetUp()
    {
        _vendors = new ScriptedVendors();
        _callsA = 0;
        _answerA = () => Ok(false, "a");
        _vendors.When(UrlA, (_, _) =>
        {
            Interlocked.Increment(ref _callsA);
            return Task.FromResult(_answerA());
        });
        _vendors.When(UrlB, (_, _) => Task.FromResult(Ok(false, "b")));
        _vendors.When(UrlC, (_, _) => Task.FromResult(Ok(false, "c")));
    }

    [TearDown]
    public void TearDown() => _vendors.Dispose();

    [Test]
    public async Task Explain_ModelShadowedByAHigherPriorityPool_NamesThatPoolAndThoseThatDidNotMatch()
    {
        var config = OnePool(Pool("unused", "*", Vendor("a"))) with
        {
            Llms = [Llm("a"), Llm("b"), Llm("c")],
        };
        config = config with
        {
            Routers =
            [
                new RouterConfig
                {
                    Slug = "prod",
                    Pools =
                    [
                        Pool("exact", "gpt-4o", Vendor("c")) with { Priority = 1 },
                        Pool("claude", "claude-*", Vendor("b")) with { Priority = 20 },
                        Pool("gpt", "gpt-*", Vendor("a", mappings: [("gpt-4o", "gpt-4o-2024-08-06")]), Vendor("b")) with { Priority = 10 },
                    ],
                },
                config.Routers[1],
            ],
        };
        await using var h = RouterHarness.Create(config);
        await h.Snapshots.GetSnapshotAsync();

        var explanation = h.Router.Explain("prod", "gpt-4o");

        Assert.Multiple(() =>
        {
            Assert.That(explanation.Pool, Is.EqualTo("gpt"), "the higher-priority 'gpt-*' takes the name the 'exact' pool was written for");
            Assert.That(explanation.PassedOver.Select(p => (p.Name, p.Priority, p.ModelPattern)), Is.EqualTo(new[] { ("claude", 20, "claude-*") }));
            Assert.That(explanation.PassedOver[0].Reason, Does.Contain("'claude-*' does not match"));
            Assert.That(explanation.Vendors.Select(v => (v.Llm, v.MappedModel)), Is.EqualTo(new[] { ("a", "gpt-4o-2024-08-06"), ("b", "gpt-4o") }));
            Assert.That(explanation.Candidates, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(explanation.ExactOrder, Is.True);
            Assert.That(explanation.RouterActive && explanation.ServedHere, Is.True);
        });

        var none = h.Router.Explain("prod", "mistral-large");
        Assert.That(none.Pool, Is.Null);
        Assert.That(none.PassedOver.Select(p => p.Name), Is.EqualTo(new[] { "claude", "gpt", "exact" }), "with no match, every pool is passed over in priority order");
        Assert.That(none.Candidates, Is.Empty);
    }

    [Test]
    public async Task Explain_CoolingLlm_IsSkippedUntilItsCooldownEnds_ThenIsTheTrial()
    {
        using var h = Start(_vendors, vendorCount: 2);
        _answerA = () => Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(20)));
        var coolingFrom = h.Time.GetUtcNow();
        Assert.That(await h.SendAsync(false), Is.EqualTo("b"));

        var explanation = h.Router.Explain("prod", "gpt-4o");

        var a = explanation.Vendors.Single(v => v.Llm == "a");
        Assert.Multiple(() =>
        {
            Assert.That(a.Skipped, Is.EqualTo("rate_limited"));
            Assert.That(a.Until, Is.EqualTo(coolingFrom + TimeSpan.FromSeconds(20)));
            Assert.That(a.Detail, Does.Contain("cooling until 2025-01-01T00:00:20Z").And.Contain("429"));
            Assert.That(a.Order, Is.Null);
            Assert.That(explanation.Candidates, Is.EqualTo(new[] { "b" }));
        });

        h.Time.Advance(TimeSpan.FromSeconds(21));
        var later = h.Router.Explain("prod", "gpt-4o");
        var trial = later.Vendors.Single(v => v.Llm == "a");
        Assert.Multiple(() =>
        {
            Assert.That(trial.Skipped, Is.Null);
            Assert.That(trial.Trial, Is.True, "the first request to it after the cooldown is its half-open trial");
            Assert.That(later.Candidates, Is.EquivalentTo(new[] { "a", "b" }));
        });
    }

    [Test]
    public async Task Explain_OpenBreaker_SkipsTheLlmAsCircuitOpenUntilTheBreakDurationEnds()
    {
        using var h = Start(_vendors, vendorCount: 2, configure: o =>
        {
            o.FailureThreshold = 2;
            o.CooldownSeconds = 30;
        });
        _answerA = () => Status(HttpStatusCode.InternalServerError);
        var opened = h.Time.GetUtcNow();
        for (var i = 0; i < 4; i++)
        {
            await h.SendAsync(false);
        }

        Assert.That(_callsA, Is.EqualTo(2), "two failures opened A's breaker");

        var a = h.Router.Explain("prod", "gpt-4o").Vendors.Single(v => v.Llm == "a");

        Assert.Multiple(() =>
        {
            Assert.That(a.Skipped, Is.EqualTo("circuit_open"));
            Assert.That(a.Breaker, Is.EqualTo("open"));
            Assert.That(a.Until, Is.EqualTo(opened + TimeSpan.FromSeconds(30)));
            Assert.That(a.Detail, Does.Contain("circuit breaker opened"));
        });
    }

    [Test]
    public async Task Explain_RejectedCredentials_SkipsTheLlmAsACredentialFailure()
    {
        using var h = Start(_vendors, vendorCount: 2, configure: o => o.CredentialCooldownSeconds = 300);
        _answerA = () => Status(HttpStatusCode.Unauthorized);
        Assert.That(await h.SendAsync(false), Is.EqualTo("b"));

        var a = h.Router.Explain("prod", "gpt-4o").Vendors.Single(v => v.Llm == "a");

        Assert.That(a.Skipped, Is.EqualTo("credentials_rejected"));
        Assert.That(a.Detail, Does.Contain("refused the router's credentials"));
    }

    [Test]
    public async Task Explain_InactiveAndZeroWeightVendors_AreSkippedWithTheirReason()
    {
        var config = OnePool(Pool("all", "*", Vendor("a"), Vendor("b", active: false), Vendor("c", weight: 0)));
        await using var h = RouterHarness.Create(config);
        await h.Snapshots.GetSnapshotAsync();

        var vendors = h.Router.Explain("prod", "gpt-4o").Vendors;

        Assert.That(vendors.Select(v => (v.Llm, v.Skipped, v.Order)), Is.EqualTo(new (string, string?, int?)[] { ("a", null, 1), ("b", "inactive", null), ("c", "weight_zero", null) }));
    }

    [Test]
    public async Task Explain_RoundRobin_ShowsTheNextRequestsOrderWithoutTakingItsTurn()
    {
        using var h = Start(_vendors, vendorCount: 3);
        await h.Snapshots.GetSnapshotAsync();

        Assert.That(h.Router.Explain("prod", "gpt-4o").Candidates, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(h.Router.Explain("prod", "gpt-4o").Candidates, Is.EqualTo(new[] { "a", "b", "c" }), "explaining took no turn");
        Assert.That(await h.SendAsync(false), Is.EqualTo("a"), "the request goes where explain said");
        Assert.That(h.Router.Explain("prod", "gpt-4o").Candidates, Is.EqualTo(new[] { "b", "c", "a" }));
        Assert.That(await h.SendAsync(false), Is.EqualTo("b"));
    }

    [Test]
    public async Task Explain_Weighted_ShowsTheNextRequestsOrderWithoutTakingItsTurn()
    {
        var config = OnePool(Pool("all", "*", Vendor("a", weight: 1), Vendor("b", weight: 3)) with { Algorithm = VendorSelectors.Weighted });
        await using var h = RouterHarness.Create(config, o => o.RequireAppKey = false);
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false, "a"));
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false, "b"));
        await h.Snapshots.GetSnapshotAsync();
        var served = new List<string>();

        for (var i = 0; i < 4; i++)
        {
            var predicted = h.Router.Explain("prod", "gpt-4o").Candidates;
            Assert.That(predicted, Has.Count.EqualTo(2));
            await using var response = await h.RouteAsync(Bodies.Chat("gpt-4o", false), appKey: null);
            Assert.That(response.Llm, Is.EqualTo(predicted[0]), $"request {i}");
            served.Add(response.Llm);
        }

        Assert.That(served.Count(s => s == "b"), Is.EqualTo(3), "explaining before each request did not shift the 1:3 split");
    }

    [Test]
    public async Task Explain_MaxAttempts_SkipsTheVendorsBeyondIt()
    {
        var config = OnePool(Pool("all", "*", Vendor("a"), Vendor("b"), Vendor("c")) with { MaxAttempts = 2 });
        await using var h = RouterHarness.Create(config);
        await h.Snapshots.GetSnapshotAsync();

        var explanation = h.Router.Explain("prod", "gpt-4o");

        Assert.That(explanation.Candidates, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(explanation.Vendors.Single(v => v.Llm == "c").Skipped, Is.EqualTo("max_attempts"));
    }

    [Test]
    public async Task Explain_UnknownRouterOrNoConfiguration_ThrowsTheRouterErrors()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var early = Assert.Throws<ModelRouterException>(() => h.Router.Explain("prod", "gpt-4o"));
        await h.Snapshots.GetSnapshotAsync();
        var unknown = Assert.Throws<ModelRouterException>(() => h.Router.Explain("nope", "gpt-4o"));

        Assert.That(early!.Kind, Is.EqualTo(ModelRouterErrorKind.NotConfigured));
        Assert.That(unknown!.Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
    }
}
