using ModelRouter.Matching;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>
/// The model names a client of a router can ask for, for <c>GET /v1/models</c>: the mapping sources of the vendors that
/// take traffic and the pool patterns without glob characters, in pool priority order, each listed once and only when
/// it routes to a pool with a vendor that takes traffic.
/// </summary>
internal sealed class RouterModelCatalog(RoutingSnapshotProvider snapshots, IPoolMatcher matcher, ModelRouterSettings options, IModelRouterEntitlement entitlement, TimeProvider time)
{
    /// <summary>Lists the names of router <paramref name="slug"/> under the same app rules as chat completions (<paramref name="appName"/>: the app the host signed the caller in as).</summary>
    /// <exception cref="ModelRouterException">The caller may not call the router, or it is not served here.</exception>
    public async ValueTask<IReadOnlyList<string>> ListAsync(string slug, string? appKey, string? appName, CancellationToken cancellationToken)
    {
        if (!entitlement.IsEntitled(out var denied))
        {
            throw new ModelRouterException(ModelRouterErrorKind.PaymentRequired, denied);
        }

        var snapshot = await snapshots.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var router = RouterAccess.Authorize(snapshot, options.Current, slug, appKey, time, out _, appName: appName);
        return Names(router, matcher);
    }

    /// <summary>
    /// Lists <c>{slug}/{name}</c> for every router the caller may call (active, served here, and allowed to the app), in
    /// slug order: the names of the unified endpoint.
    /// </summary>
    /// <exception cref="ModelRouterException">The app key is missing or unknown.</exception>
    public async ValueTask<IReadOnlyList<string>> ListAllAsync(string? appKey, string? appName, CancellationToken cancellationToken)
    {
        if (!entitlement.IsEntitled(out var denied))
        {
            throw new ModelRouterException(ModelRouterErrorKind.PaymentRequired, denied);
        }

        var snapshot = await snapshots.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var settings = options.Current;
        var app = RouterAccess.ResolveApp(snapshot, settings, appKey, time, appName: appName);
        var names = new List<string>();
        foreach (var router in snapshot.Routers.Values.OrderBy(r => r.Slug, StringComparer.Ordinal))
        {
            if (RouterAccess.MayCall(router, settings, app))
            {
                names.AddRange(Names(router, matcher).Select(name => router.Slug + "/" + name));
            }
        }

        return names;
    }

    internal static List<string> Names(RouterSnapshot router, IPoolMatcher matcher)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pool in router.Pools)
        {
            if (pool.Pattern.Literal is { } literal)
            {
                Add(literal);
            }

            foreach (var vendor in pool.AvailableVendors)
            {
                foreach (var mapping in vendor.Config.ModelMappings)
                {
                    Add(mapping.Source);
                }
            }
        }

        return names;

        void Add(string name)
        {
            // A name routes where the matcher sends it, which may be a pool of higher priority or none at all.
            if (seen.Add(name) && matcher.Match(router, name) is { AvailableVendors.Count: > 0 })
            {
                names.Add(name);
            }
        }
    }
}
