using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>The pipeline from DI: authentication, router and pool resolution, and what the vendor receives.</summary>
public partial class DefaultModelRouterTests
{
    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_HealthyVendor_ReturnsItsAnswer(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(streaming));

        await using var response = await h.RouteAsync(Bodies.Chat("gpt-4o", streaming));
        var text = await Bodies.ReadAllAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo(streaming ? Bodies.StreamEvents : Bodies.Completion));
            Assert.That(response.IsStreaming, Is.EqualTo(streaming));
            Assert.That(response.Llm, Is.EqualTo("a"));
            Assert.That(response.Attempts, Is.EqualTo(1));
            Assert.That(response.RouterSlug, Is.EqualTo("prod"));
            Assert.That(response.Pool, Is.EqualTo("all"));
            Assert.That(response.Model, Is.EqualTo("gpt-4o"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_ConsecutiveRequests_AlternateVendorsRoundRobin()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false));

        var vendors = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await using var response = await h.RouteAsync(Bodies.Chat("m"));
            vendors.Add(response.Llm);
        }

        Assert.That(vendors, Is.EqualTo(new[] { "a", "b", "a", "b", "a", "b" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_Vendor_GetsItsOwnKeyAndNeverTheAppKey(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        string? authorization = null;
        var headerValues = new List<string>();
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(req =>
        {
            authorization = req.Headers.Authorization?.ToString();
            headerValues.AddRange(req.Headers.SelectMany(x => x.Value.Prepend(x.Key)));
            headerValues.AddRange(req.Content!.Headers.SelectMany(x => x.Value.Prepend(x.Key)));
            return Bodies.Success(streaming);
        });

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(authorization, Is.EqualTo("Bearer " + KeyOf("a")));
            Assert.That(headerValues, Has.None.Contains(AppKey));
            Assert.That(headerValues, Has.None.Contains("Cookie"));
        });
    }

    [Test]
    public async Task RouteAsync_LlmWithoutKey_SendsNoAuthorization()
    {
        var config = OnePool("a");
        config = config with { Llms = [config.Llms[0] with { ApiKey = null }] };
        await using var h = RouterHarness.Create(config);
        var sawAuthorization = true;
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(req =>
        {
            sawAuthorization = req.Headers.Authorization is not null;
            return Bodies.Success(false);
        });

        await using var response = await h.RouteAsync(Bodies.Chat("m"));

        Assert.That(sawAuthorization, Is.False);
    }

    [Test]
    public async Task RouteAsync_NoAppKey_IsUnauthorizedAndCallsNoVendor()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"), appKey: null);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.Unauthorized));
            Assert.That(ex.StatusCode, Is.EqualTo(401));
            Assert.That(ex.Message, Does.Not.Contain("Authorization"), "an in-process caller has no HTTP header to set");
        });
    }

    [TestCase("app-key-team-a-0002")]
    [TestCase("APP-KEY-TEAM-A-0001")]
    [TestCase("app-key-team-a-0001 ")]
    public async Task RouteAsync_UnknownAppKey_IsUnauthorized(string key)
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"), appKey: key);

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(401));
            Assert.That(ex.Message, Does.Not.Contain(key.Trim()));
        });
    }

    [Test]
    public async Task RouteAsync_RouterNotInAppsList_IsForbidden()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"), appKey: OtherAppKey);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.Forbidden));
            Assert.That(ex.StatusCode, Is.EqualTo(403));
            Assert.That(ex.Message, Does.Contain("team-b").And.Contain("prod"));
        });
    }

    [Test]
    public async Task RouteAsync_AppWithStarRouters_MayCallEveryRouter()
    {
        var config = OnePool("a");
        config = config with { Apps = [config.Apps[0], config.Apps[1] with { Routers = ["*"] }] };
        await using var h = RouterHarness.Create(config);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var response = await h.RouteAsync(Bodies.Chat("m"), appKey: OtherAppKey);

        Assert.That(response.Llm, Is.EqualTo("a"));
    }

    [Test]
    public async Task RouteAsync_AppKeyNotRequired_ServesWithoutKey()
    {
        await using var h = RouterHarness.Create(OnePool("a"), o => o.RequireAppKey = false);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var response = await h.RouteAsync(Bodies.Chat("m"), appKey: null);

        Assert.That(response.Llm, Is.EqualTo("a"));
    }

    [Test]
    public async Task RouteAsync_UnknownRouter_IsRouterNotFound()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"), slug: "nope");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
            Assert.That(ex.StatusCode, Is.EqualTo(404));
            Assert.That(ex.ErrorCode, Is.EqualTo("router_not_found"));
        });
    }

    [Test]
    public async Task RouteAsync_SlugWithDifferentCase_IsRouterNotFound()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        Assert.That((await h.RouteFailsAsync(Bodies.Chat("m"), slug: "PROD")).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task RouteAsync_InactiveRouter_IsRouterNotFound()
    {
        var config = OnePool("a");
        config = config with { Routers = [config.Routers[0] with { Active = false }, config.Routers[1]] };
        await using var h = RouterHarness.Create(config);

        Assert.That((await h.RouteFailsAsync(Bodies.Chat("m"))).Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
    }

    [Test]
    public async Task RouteAsync_RouterOfAnotherNamespace_IsRouterNotFound()
    {
        var config = OnePool("a");
        config = config with { Routers = [config.Routers[0] with { Namespaces = ["eu"] }, config.Routers[1]] };
        await using var h = RouterHarness.Create(config, o => o.Namespace = "us");

        Assert.That((await h.RouteFailsAsync(Bodies.Chat("m"))).Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
    }

    [TestCase("eu")]
    [TestCase("EU")]
    public async Task RouteAsync_RouterListingThisNamespace_IsServed(string instanceNamespace)
    {
        var config = OnePool("a");
        config = config with { Routers = [config.Routers[0] with { Namespaces = ["us", "eu"] }, config.Routers[1]] };
        await using var h = RouterHarness.Create(config, o => o.Namespace = instanceNamespace);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var response = await h.RouteAsync(Bodies.Chat("m"));

        Assert.That(response.Llm, Is.EqualTo("a"));
    }

    [Test]
    public async Task RouteAsync_NoPoolMatchesModel_IsModelNotFound()
    {
        await using var h = RouterHarness.Create(OnePool(Pool("claude", "claude-*", Vendor("a"))));

        var ex = await h.RouteFailsAsync(Bodies.Chat("gpt-4"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.ModelNotFound));
            Assert.That(ex.StatusCode, Is.EqualTo(404));
            Assert.That(ex.ErrorCode, Is.EqualTo("model_not_found"));
            Assert.That(ex.Param, Is.EqualTo("model"));
            Assert.That(ex.Message, Does.Contain("gpt-4"));
        });
    }

    [Test]
    public async Task RouteAsync_HigherPriorityPool_TakesTheRequest()
    {
        var config = OnePool("a", "b");
        config = config with
        {
            Routers =
            [
                config.Routers[0] with
                {
                    Pools = [Pool("catch-all", "*", Vendor("a")) with { Priority = 1 }, Pool("gpt", "gpt-*", Vendor("b")) with { Priority = 10 }],
                },
                config.Routers[1],
            ],
        };
        await using var h = RouterHarness.Create(config);
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var gpt = await h.RouteAsync(Bodies.Chat("gpt-4o"));
        await using var other = await h.RouteAsync(Bodies.Chat("llama3.1:8b"));

        Assert.Multiple(() =>
        {
            Assert.That((gpt.Pool, gpt.Llm), Is.EqualTo(("gpt", "b")));
            Assert.That((other.Pool, other.Llm), Is.EqualTo(("catch-all", "a")));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_MalformedBody_IsInvalidRequestAndCallsNoVendor()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync("""{"model":""");

        Assert.That(ex.StatusCode, Is.EqualTo(400));
    }

    [TestCase(new byte[] { 0xFF }, TestName = "RouteAsync_ModelNotValidUtf8_IsInvalidRequestNamingModel(0xFF)")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "RouteAsync_ModelNotValidUtf8_IsInvalidRequestNamingModel(encoded surrogate)")]
    public async Task RouteAsync_ModelNotValidUtf8_IsInvalidRequestNamingModel(byte[] bad)
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        byte[] body = [.. "{\"model\":\"gpt"u8, .. bad, .. "4o\",\"messages\":[]}"u8];

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () =>
            await h.Router.RouteAsync(new ModelRouterRequest("prod", body) { AppKey = TestConfigs.AppKey }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Param, Is.EqualTo("model"));
        });
    }

    [Test]
    public async Task RouteAsync_ModelWithLoneSurrogateEscape_IsInvalidRequestNamingModel()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var ex = await h.RouteFailsAsync("""{"model":"\ud800","messages":[]}""");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Param, Is.EqualTo("model"));
        });
    }

    [Test]
    public async Task RouteAsync_BodyOverTheLimit_IsRequestTooLarge()
    {
        await using var h = RouterHarness.Create(OnePool("a"), o => o.MaxRequestBodyBytes = 64);

        var ex = await h.RouteFailsAsync(Bodies.Chat(new string('m', 100)));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.RequestTooLarge));
            Assert.That(ex.StatusCode, Is.EqualTo(413));
        });
    }

    [Test]
    public async Task RouteAsync_JsonDeeperThanConfigured_IsInvalidRequest()
    {
        await using var h = RouterHarness.Create(OnePool("a"), o => o.MaxJsonDepth = 4);

        var ex = await h.RouteFailsAsync("""{"model":"m","x":[[[[1]]]]}""");

        Assert.That(ex.Message, Does.Contain("deeper than 4"));
    }

    [Test]
    public async Task RouteAsync_PoolWithoutActiveVendor_IsNoAvailableVendor()
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", active: false), Vendor("b", weight: 0))));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.NoAvailableVendor));
            Assert.That(ex.StatusCode, Is.EqualTo(503));
        });
    }

    [Test]
    public async Task RouteAsync_AlreadyCancelled_ThrowsWithoutCallingAVendor()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        Assert.That(
            async () => await h.RouteAsync(Bodies.Chat("m"), cancellationToken: new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task RouteAsync_NonStreamingAnswer_IsNotAStream()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var response = await h.RouteAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(response.ContentType, Is.EqualTo("application/json"));
            Assert.That(async () => await response.ReadStreamChunkAsync(), Throws.InvalidOperationException);
        });
    }
}
