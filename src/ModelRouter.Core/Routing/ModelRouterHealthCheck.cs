using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ModelRouter.Routing;

/// <summary>
/// The <c>modelrouter</c> health check: unhealthy until the first configuration is loaded (for example while the store
/// does not answer at start), healthy from then on. A store that goes away later does not make it unhealthy: the
/// instance keeps serving its last configuration.
/// </summary>
internal sealed class ModelRouterHealthCheck(RoutingSnapshotProvider provider) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "modelrouter";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (provider.Current is { } snapshot)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"Configuration revision {snapshot.Revision} is loaded."));
        }

        // The store kind only: the reason names hosts and ports, which health endpoints may show to anyone.
        return Task.FromResult(HealthCheckResult.Unhealthy(provider.StoreOutage is { } outage
            ? $"Waiting for the ModelRouter store '{outage.Store}': it does not answer yet."
            : "The ModelRouter configuration is not loaded yet."));
    }
}
