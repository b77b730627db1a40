using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;

namespace ModelRouter.Tests.Routing;

/// <summary>The entitlement gate in process: a denied request is refused with 402 before anything else, and reaches no vendor.</summary>
public class EntitlementTests
{
    [Test]
    public async Task Denied_Is402WithTheGatesReason_BeforeAnyOtherCheck_AndNoVendorIsCalled()
    {
        var gate = new Gate("Licence expired.");
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"), services: s => s.AddSingleton<IModelRouterEntitlement>(gate));
        var a = h.Http.When(HttpMethod.Post, TestConfigs.ChatUrl("a")).Respond("application/json", ProviderVendors.Answer("openai", false, "ok"));

        var denied = Assert.ThrowsAsync<ModelRouterException>(async () => await h.RouteAsync(Body));
        var deniedWithoutKey = Assert.ThrowsAsync<ModelRouterException>(async () => await h.RouteAsync(Body, appKey: null));

        Assert.That(denied!.Kind, Is.EqualTo(ModelRouterErrorKind.PaymentRequired));
        Assert.That(denied.StatusCode, Is.EqualTo(402));
        Assert.That(denied.Message, Is.EqualTo("Licence expired."));
        Assert.That(deniedWithoutKey!.Kind, Is.EqualTo(ModelRouterErrorKind.PaymentRequired), "the gate comes before the key check");
        Assert.That(h.Http.GetMatchCount(a), Is.Zero);

        gate.Reason = null;
        await using var served = await h.RouteAsync(Body);
        Assert.That(served.Llm, Is.EqualTo("a"));
    }

    [Test]
    public async Task ByDefault_EveryRouterMayServe()
    {
        using var h = RouterHarness.Create(TestConfigs.OnePool("a"));
        h.Http.When(HttpMethod.Post, TestConfigs.ChatUrl("a")).Respond("application/json", ProviderVendors.Answer("openai", false, "ok"));

        await using var served = await h.RouteAsync(Body);

        Assert.That(served.Llm, Is.EqualTo("a"));
    }

    private const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    private sealed class Gate(string? reason) : IModelRouterEntitlement
    {
        public volatile string? Reason = reason;

        public bool IsEntitled([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
        {
            reason = Reason;
            return reason is null;
        }
    }
}
