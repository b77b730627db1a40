using System.Net;
using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>A vendor's "context length exceeded" is the request's fault for that vendor: no penalty, and on to the pool's context-window fallbacks.</summary>
public class ContextWindowFallbackTests
{
    /// <summary>Router "prod": pool "small" (priority 10) over LLM "a" of <paramref name="provider"/>, pool "large" over "b" (OpenAI).</summary>
    private static ModelRouterConfig Config(string provider, bool withFallback) => new()
    {
        Llms = [Llm("a") with { Provider = provider, BaseUrl = ProviderVendors.BaseUrlA }, Llm("b")],
        Routers =
        [
            new RouterConfig
            {
                Slug = "prod",
                Pools =
                [
                    Pool("small", "*", Vendor("a")) with { Priority = 10, ContextWindowFallbacks = withFallback ? ["large"] : [] },
                    Pool("large", "*", Vendor("b")),
                ],
            },
        ],
    };

    private static HttpResponseMessage Error(string provider, string message, string? code = null) => new(HttpStatusCode.BadRequest)
    {
        Content = new StringContent(ProviderVendors.Error(provider, message, code: code), Encoding.UTF8, "application/json"),
    };

    private static IEnumerable<TestCaseData> TooLong()
    {
        yield return new TestCaseData(ProviderKinds.OpenAI, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.", "context_length_exceeded").SetName("OpenAI");
        yield return new TestCaseData(ProviderKinds.AzureOpenAI, "This model's maximum context length is 8192 tokens.", "context_length_exceeded").SetName("Azure");
        yield return new TestCaseData(ProviderKinds.Anthropic, "prompt is too long: 208310 tokens > 200000 maximum", null).SetName("Anthropic");
        yield return new TestCaseData(ProviderKinds.OpenAI, "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", null).SetName("Gemini");
    }

    [TestCaseSource(nameof(TooLong))]
    public async Task RouteAsync_ContextLengthExceeded_GoesToTheLargerPoolWithoutCoolingTheVendor(string provider, string message, string? code)
    {
        await using var h = RouterHarness.Create(Config(provider, withFallback: true), o =>
        {
            o.RequireAppKey = false;
            o.FailureThreshold = 2;
        });
        var tooLong = true;
        h.Http.When(HttpMethod.Post, ProviderVendors.UrlA(provider)).Respond(_ => tooLong
            ? Error(provider, message, code)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(ProviderVendors.Answer(provider, false, "from-a"), Encoding.UTF8, "application/json") });
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false, "from-b"));

        for (var i = 0; i < 3; i++)
        {
            await using var response = await h.RouteAsync(Bodies.Chat("m"), appKey: null);
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(response.Pool, Is.EqualTo("large"));
            Assert.That(response.Trail, Is.EqualTo("a=context_window;pool:large;b=ok"));
        }

        tooLong = false;
        await using var served = await h.RouteAsync(Bodies.Chat("m"), appKey: null);

        Assert.That(served.Llm, Is.EqualTo("a"), "three context-window answers did not count against the vendor");
    }

    [Test]
    public async Task RouteAsync_ContextLengthExceededWithoutFallbacks_SendsTheVendors400Back()
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.OpenAI, withFallback: false), o => o.RequireAppKey = false);
        h.Http.Expect(HttpMethod.Post, ProviderVendors.UrlA(ProviderKinds.OpenAI))
            .Respond(_ => Error(ProviderKinds.OpenAI, "This model's maximum context length is 8192 tokens.", "context_length_exceeded"));

        var error = await h.RouteFailsAsync(Bodies.Chat("m"), appKey: null);

        Assert.That(error.StatusCode, Is.EqualTo(400));
        Assert.That(error.ErrorCode, Is.EqualTo("context_length_exceeded"));
        Assert.That(error.Trail, Is.EqualTo("a=context_window"));
    }

    [Test]
    public async Task RouteAsync_OtherBadRequest_IsNotAContextWindowFallback()
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.OpenAI, withFallback: true), o => o.RequireAppKey = false);
        h.Http.Expect(HttpMethod.Post, ProviderVendors.UrlA(ProviderKinds.OpenAI)).Respond(_ => Error(ProviderKinds.OpenAI, "temperature must be at most 2", "invalid_value"));

        var error = await h.RouteFailsAsync(Bodies.Chat("m"), appKey: null);

        Assert.That(error.StatusCode, Is.EqualTo(400));
        Assert.That(error.Trail, Is.EqualTo("a=400"));
    }

    [Test]
    public void Validate_ContextWindowFallbackToAnUnknownPool_IsRefused()
    {
        var config = Config(ProviderKinds.OpenAI, withFallback: true);
        var router = config.Routers[0];
        config = config with { Routers = [router with { Pools = [router.Pools[0] with { ContextWindowFallbacks = ["huge"] }, router.Pools[1]] }] };

        var errors = Validator().ValidateFields(config);

        Assert.That(errors.Select(e => e.Path), Does.Contain("routers[0].pools[0].contextWindowFallbacks[0]"));
    }
}
