using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static ModelRouter.Testing.FailoverVendors;

namespace ModelRouter.Tests.Routing;

/// <summary>The <c>modelrouter-pools</c> health check of <c>AddModelRouter(...).AddHealthChecks()</c>, on fake time.</summary>
public class PoolsHealthCheckTests
{
    private const string Pools = "modelrouter-pools";

    [Test]
    public async Task PoolsCheck_VendorsCoolingThenAllThenNone_GoesHealthyDegradedUnhealthyDegradedHealthy()
    {
        using var vendors = new ScriptedVendors();
        var limitedA = false;
        var limitedB = false;
        vendors.When(UrlA, (_, _) => Task.FromResult(limitedA ? RateLimited(10) : Ok(false, "a")));
        vendors.When(UrlB, (_, _) => Task.FromResult(limitedB ? RateLimited(10) : Ok(false, "b")));
        await using var h = RouterHarness.Create(vendors, Config(2), o => o.RequireAppKey = false, b => b.AddHealthChecks().AddHealthChecks());
        var health = h.Services.GetRequiredService<HealthCheckService>();

        var beforeLoad = await health.CheckHealthAsync();
        Assert.That(beforeLoad.Entries[Pools].Status, Is.EqualTo(HealthStatus.Unhealthy), "nothing to serve before the configuration is loaded");
        Assert.That(beforeLoad.Entries["modelrouter"].Status, Is.EqualTo(HealthStatus.Unhealthy), "the modelrouter check still says so too");

        await h.Snapshots.GetSnapshotAsync();
        var loaded = await health.CheckHealthAsync();
        Assert.That(loaded.Entries[Pools].Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(loaded.Entries["modelrouter"].Status, Is.EqualTo(HealthStatus.Healthy));

        // A is rate limited for 10 s: one of two vendors is left.
        limitedA = true;
        Assert.That(await h.SendAsync(false), Is.EqualTo("b"));
        var degraded = (await health.CheckHealthAsync()).Entries[Pools];
        Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(degraded.Data["prod/all"], Is.EqualTo("1 of 2 vendors available; a rate_limited until 2025-01-01T00:00:10Z"));

        // 5 s later B is rate limited too, until 15 s: none is left.
        h.Time.Advance(TimeSpan.FromSeconds(5));
        limitedB = true;
        Assert.ThrowsAsync<ModelRouterException>(() => h.SendAsync(false));
        var unhealthy = (await health.CheckHealthAsync()).Entries[Pools];
        Assert.That(unhealthy.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(unhealthy.Data["prod/all"], Does.StartWith("0 of 2 vendors available").And.Contain("b rate_limited until 2025-01-01T00:00:15Z"));

        h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.That((await health.CheckHealthAsync()).Entries[Pools].Status, Is.EqualTo(HealthStatus.Degraded), "A's cooldown is over, B's is not");

        h.Time.Advance(TimeSpan.FromSeconds(5));
        var healthy = (await health.CheckHealthAsync()).Entries[Pools];
        Assert.That(healthy.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(healthy.Data, Is.Empty);
    }

    [Test]
    public async Task PoolsCheck_BreakerOpen_IsDegradedUntilTheBreakEnds()
    {
        using var vendors = new ScriptedVendors();
        vendors.When(UrlA, (_, _) => Task.FromResult(Status(HttpStatusCode.InternalServerError)));
        vendors.When(UrlB, (_, _) => Task.FromResult(Ok(false, "b")));
        await using var h = RouterHarness.Create(vendors, Config(2), o =>
        {
            o.RequireAppKey = false;
            o.FailureThreshold = 2;
            o.CooldownSeconds = 30;
        }, b => b.AddHealthChecks());
        var health = h.Services.GetRequiredService<HealthCheckService>();

        // Round-robin starts every other request at A; its second failure opens its breaker for 30 s.
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await h.SendAsync(false), Is.EqualTo("b"));
        }

        var open = (await health.CheckHealthAsync()).Entries[Pools];
        Assert.That(open.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(open.Data["prod/all"], Is.EqualTo("1 of 2 vendors available; a circuit_open until 2025-01-01T00:00:30Z"));

        h.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.That((await health.CheckHealthAsync()).Entries[Pools].Status, Is.EqualTo(HealthStatus.Healthy), "after the break a trial may go through");
    }

    [Test]
    public async Task PoolsCheck_PoolWithNoActiveVendor_IsUnhealthy()
    {
        var config = Config(2);
        config = config with
        {
            Routers = [config.Routers[0] with { Pools = [config.Routers[0].Pools[0] with { Vendors = [.. config.Routers[0].Pools[0].Vendors.Select(v => v with { Active = false })] }] }],
        };
        using var vendors = new ScriptedVendors();
        await using var h = RouterHarness.Create(vendors, config, o => o.RequireAppKey = false, b => b.AddHealthChecks());
        await h.Snapshots.GetSnapshotAsync();

        var entry = (await h.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[Pools];

        Assert.That(entry.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(entry.Data["prod/all"], Is.EqualTo("no vendor is active with a weight above 0"));
    }

    private static HttpResponseMessage RateLimited(int seconds)
        => Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds)));
}
