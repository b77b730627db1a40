using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>The entitlement gate over HTTP: every router answers 402 in the OpenAI envelope, the admin API keeps working.</summary>
[TestFixture]
public sealed class EntitlementGateTests
{
    [Test]
    public async Task Denied_RoutersAnswer402_NothingIsForwarded_AdminStillWorks_AllowedAgain_Serves()
    {
        await using var vendor = await FakeVendor.StartAsync("a");
        var gate = new SwitchableGate { Reason = "The licence expired on 2026-11-30; renew it at the vendor portal." };
        var store = new InMemoryRouterStore(new ModelRouterConfig
        {
            Llms = [new LlmConfig { Id = "a", BaseUrl = vendor.BaseUrl, ApiKey = "sk-secret-a" }],
            Routers = [Router("prod", "a")],
            Apps = [App("team", "app-key-123", "*")],
        });
        await using var host = await RouterHost.StartAsync(
            new Dictionary<string, string?>(),
            b =>
            {
                b.UseStore(store);
                b.Services.AddSingleton<IModelRouterEntitlement>(gate);
            });

        using var denied = await host.ChatAsync("prod", "gpt-4o");
        var (message, type, _, code) = await ErrorEnvelope.AssertAsync(denied, HttpStatusCode.PaymentRequired);
        Assert.That(message, Is.EqualTo(gate.Reason));
        Assert.That((type, code), Is.EqualTo(("billing_error", "payment_required")));
        Assert.That(vendor.Requests, Is.Empty, "nothing is forwarded while the gate denies");

        using var unknownRouter = await host.ChatAsync("nope", "gpt-4o");
        Assert.That(unknownRouter.StatusCode, Is.EqualTo(HttpStatusCode.PaymentRequired), "every router endpoint is gated, known or not");

        using var modelsRequest = new HttpRequestMessage(HttpMethod.Get, "/router/prod/v1/models") { Headers = { Authorization = new("Bearer", "app-key-123") } };
        using var models = await host.Client.SendAsync(modelsRequest);
        await ErrorEnvelope.AssertAsync(models, HttpStatusCode.PaymentRequired);

        using var list = await host.SendAdminAsync(HttpMethod.Get, "/routers");
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the owner can still use the admin API");
        using var write = await host.SendAdminAsync(HttpMethod.Post, "/routers", """{"slug":"r2","name":"Two","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""");
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        gate.Reason = null;
        using var served = await host.ChatAsync("prod", "gpt-4o");
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the gate is asked on every request: allowing again serves at once");
        Assert.That(vendor.Requests, Has.Count.EqualTo(1));
    }

    private sealed class SwitchableGate : IModelRouterEntitlement
    {
        public volatile string? Reason;

        public bool IsEntitled([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason)
        {
            reason = Reason;
            return reason is null;
        }
    }
}
