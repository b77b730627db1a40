using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.AspNetCore.Tests;

/// <summary>A host's own <c>RequireRateLimiting</c> on the router's endpoint, partitioned by app with the router's helper.</summary>
public sealed class HostRateLimitingTests
{
    [Test]
    public async Task RequireRateLimiting_ByApp_CountsEachAppApart_AndRefusesInTheOpenAIEnvelopeWithRetryAfter()
    {
        var vendors = new MockHttpMessageHandler();
        var vendor = vendors.When(HttpMethod.Post, ChatUrl("a")).Respond("application/json", Bodies.Completion);
        var config = OnePool("a");
        await using var host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                foreach (var llm in config.Llms)
                {
                    o.Llms.Add(llm);
                }

                foreach (var router in config.Routers)
                {
                    o.Routers.Add(router);
                }

                o.Apps.Add(config.Apps[0] with { Routers = ["*"] });
                o.Apps.Add(config.Apps[1] with { Routers = ["*"] });
            },
            vendors,
            configureHost: b => b.Services.AddRateLimiter(o =>
            {
                o.OnRejected = ModelRouterRateLimiting.OnRejected;
                o.AddPolicy("per-app", context => ModelRouterRateLimiting.ByApp(context, _ => new FixedWindowRateLimiter(
                    new FixedWindowRateLimiterOptions { PermitLimit = 1, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));
            }),
            configureEndpoint: e => e.RequireRateLimiting("per-app"),
            configurePipeline: app => app.UseRateLimiter());

        using var first = await SendAsync(host, AppKey);
        using var second = await SendAsync(host, AppKey);
        using var otherApp = await SendAsync(host, OtherAppKey);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (_, type, _, code) = await ErrorEnvelope.AssertAsync(second, HttpStatusCode.TooManyRequests);
        Assert.Multiple(() =>
        {
            Assert.That((type, code), Is.EqualTo(("rate_limit_error", "rate_limit_exceeded")));
            Assert.That(second.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(otherApp.StatusCode, Is.EqualTo(HttpStatusCode.OK), "team-b has its own partition");
            Assert.That(vendors.GetMatchCount(vendor), Is.EqualTo(2));
        });
    }

    private static async Task<HttpResponseMessage> SendAsync(RouterHost host, string appKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/router/prod/v1/chat/completions")
        {
            Content = new StringContent(Bodies.Chat("m"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", appKey);
        return await host.Client.SendAsync(request);
    }
}
