using System.Collections.Frozen;
using ModelRouter.Configuration;
using ModelRouter.Health;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>Turns a validated configuration into a <see cref="RoutingSnapshot"/>: globs parsed, pools sorted, references resolved.</summary>
internal sealed class RoutingSnapshotCompiler(LlmHealthRegistry health, RouterTrafficRegistry traffic)
{
    /// <summary>Creates a compiler whose LLMs and routers share live state only within this compiler (tests, benchmarks).</summary>
    public RoutingSnapshotCompiler()
        : this(new LlmHealthRegistry(static () => DefaultOptions, TimeProvider.System), new RouterTrafficRegistry(TimeProvider.System))
    {
    }

    private static readonly ModelRouterOptions DefaultOptions = new();

    public RoutingSnapshot Compile(ModelRouterConfig config, RoutingSnapshot? previous = null)
    {
        var llms = config.Llms.ToDictionary(l => l.Id, l => new LlmSnapshot(l, health.GetOrCreate(l)), StringComparer.Ordinal);
        health.Retain(llms.Keys);
        traffic.Retain(config.Routers.Select(r => r.Slug));
        var routers = config.Routers.ToFrozenDictionary(
            r => r.Slug,
            r => Router(r, traffic.GetOrCreate(r.Slug), llms, previous),
            StringComparer.Ordinal);
        return new RoutingSnapshot(config, routers, new AppKeyIndex(config.Apps), [.. config.Llms.Select(l => llms[l.Id])]);
    }

    private static RouterSnapshot Router(RouterConfig router, RouterTraffic traffic, Dictionary<string, LlmSnapshot> llms, RoutingSnapshot? previous)
    {
        PoolSnapshot[] pools = [.. router.Pools
            .Select((pool, index) => (pool, index))
            .OrderByDescending(p => p.pool.Priority)
            .ThenBy(p => p.index)
            .Select(p => new PoolSnapshot(
                router,
                p.pool,
                GlobPattern.Parse(p.pool.ModelPattern),
                [.. p.pool.Vendors.Select(v => new VendorSnapshot(v, llms[v.Llm]))],
                FindPool(previous, router.Slug, p.pool.Name),
                traffic))];
        return new RouterSnapshot(router, pools, traffic);
    }

    private static PoolSnapshot? FindPool(RoutingSnapshot? previous, string slug, string poolName)
    {
        if (previous is null || !previous.TryGetRouter(slug, out var router))
        {
            return null;
        }

        foreach (var pool in router.Pools)
        {
            if (string.Equals(pool.Name, poolName, StringComparison.OrdinalIgnoreCase))
            {
                return pool;
            }
        }

        return null;
    }
}
