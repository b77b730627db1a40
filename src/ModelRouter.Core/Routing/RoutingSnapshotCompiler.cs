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

    /// <summary>
    /// Compiles <paramref name="config"/>. With the <paramref name="previous"/> snapshot, an LLM whose configuration is
    /// the same instance (and whose health is unchanged) keeps its compiled snapshot, and a router whose configuration is
    /// the same instance and whose vendors' LLMs all kept theirs keeps its compiled router, pools, selection state
    /// included; a changed router gets new pools, which carry the selection state over when their vendors are unchanged.
    /// </summary>
    public RoutingSnapshot Compile(ModelRouterConfig config, RoutingSnapshot? previous = null)
    {
        var llms = new Dictionary<string, LlmSnapshot>(config.Llms.Count, StringComparer.Ordinal);
        foreach (var l in config.Llms)
        {
            var llmHealth = health.GetOrCreate(l);
            llms[l.Id] = previous is not null && previous.LlmsById.TryGetValue(l.Id, out var kept) && ReferenceEquals(kept.Config, l) && ReferenceEquals(kept.Health, llmHealth)
                ? kept
                : new LlmSnapshot(l, llmHealth);
        }

        health.Retain(llms.Keys);
        traffic.Retain(config.Routers.Select(r => r.Slug));
        var routers = new Dictionary<string, RouterSnapshot>(config.Routers.Count, StringComparer.Ordinal);
        foreach (var r in config.Routers)
        {
            var routerTraffic = traffic.GetOrCreate(r.Slug);
            routers[r.Slug] = previous is not null && previous.TryGetRouter(r.Slug, out var kept) && ReferenceEquals(kept.Config, r)
                && ReferenceEquals(kept.Traffic, routerTraffic) && SameLlms(kept, llms)
                ? kept
                : Router(r, routerTraffic, llms, previous);
        }

        return new RoutingSnapshot(config, routers.ToFrozenDictionary(StringComparer.Ordinal), llms, new AppKeyIndex(config.Apps));
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

    /// <summary>Tells whether every vendor of a compiled router still points at the LLM snapshot the new snapshot uses.</summary>
    private static bool SameLlms(RouterSnapshot router, Dictionary<string, LlmSnapshot> llms)
    {
        foreach (var pool in router.PoolArray)
        {
            foreach (var vendor in pool.Vendors)
            {
                if (!llms.TryGetValue(vendor.Config.Llm, out var llm) || !ReferenceEquals(llm, vendor.Llm))
                {
                    return false;
                }
            }
        }

        return true;
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
