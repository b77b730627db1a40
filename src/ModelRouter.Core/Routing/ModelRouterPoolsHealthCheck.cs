using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>
/// The <c>modelrouter-pools</c> health check (<c>AddModelRouter(...).AddHealthChecks()</c>): healthy while every pool of
/// every router served here can use all its vendors; degraded while some vendors are cooling or their breaker is open;
/// unhealthy while some pool has no vendor it can use (all cooling, or none active). Its data names each pool that is
/// not fully available (<c>router/pool</c>) and why.
/// </summary>
/// <remarks>Reads LLM health only; it changes nothing and calls no vendor.</remarks>
internal sealed class ModelRouterPoolsHealthCheck(RoutingSnapshotProvider provider, ModelRouterSettings settings, TimeProvider timeProvider) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "modelrouter-pools";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (provider.Current is not { } snapshot)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The ModelRouter configuration is not loaded yet."));
        }

        var now = timeProvider.GetUtcNow();
        var instanceNamespace = settings.Current.Namespace;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        int pools = 0, degraded = 0, down = 0;
        foreach (var router in snapshot.Routers.Values.OrderBy(r => r.Slug, StringComparer.Ordinal))
        {
            if (!router.Config.Active || !router.IsServedIn(instanceNamespace))
            {
                continue;
            }

            foreach (var pool in router.Pools)
            {
                pools++;
                var (usable, detail) = Describe(pool, now);
                if (usable == 0)
                {
                    down++;
                }
                else if (usable < pool.AvailableVendors.Count)
                {
                    degraded++;
                }
                else
                {
                    continue;
                }

                data[$"{router.Slug}/{pool.Name}"] = detail;
            }
        }

        var result = down > 0
            ? HealthCheckResult.Unhealthy($"{down} of {pools} pools have no vendor available.", data: data)
            : degraded > 0
                ? HealthCheckResult.Degraded($"{degraded} of {pools} pools have vendors cooling down or with an open circuit breaker.", data: data)
                : HealthCheckResult.Healthy($"All vendors of {pools} pools are available.");
        return Task.FromResult(result);
    }

    /// <summary>How many vendors of <paramref name="pool"/> a request could use now, and the others in words.</summary>
    private static (int Usable, string Detail) Describe(PoolSnapshot pool, DateTimeOffset now)
    {
        var vendors = pool.AvailableVendors;
        if (vendors.Count == 0)
        {
            return (0, "no vendor is active with a weight above 0");
        }

        var usable = 0;
        var outs = new List<string>();
        foreach (var vendor in vendors)
        {
            if (vendor.Llm.Health.IsCooling(now, out var until, out var reason))
            {
                outs.Add(string.Create(CultureInfo.InvariantCulture, $"{vendor.Llm.Id} {RouteExplainer.ReasonName(reason)} until {until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
            }
            else
            {
                usable++;
            }
        }

        return (usable, $"{usable} of {vendors.Count} vendors available; {string.Join("; ", outs)}");
    }
}
