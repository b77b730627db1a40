using System.Collections.Frozen;
using ModelRouter.Configuration;
using ModelRouter.Health;
using ModelRouter.Matching;
using ModelRouter.Selection;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>Turns a validated configuration into a <see cref="RoutingSnapshot"/>: globs parsed, pools sorted, references resolved.</summary>
internal sealed class RoutingSnapshotCompiler(IEnumerable<IVendorSelector> selectors, IEnumerable<IProviderAdapter> adapters, VendorHealthRegistry health)
{
    /// <summary>Creates a compiler whose vendors share health state only within this compiler (tests, benchmarks).</summary>
    public RoutingSnapshotCompiler(IEnumerable<IVendorSelector> selectors, IEnumerable<IProviderAdapter> adapters)
        : this(selectors, adapters, new VendorHealthRegistry(static () => DefaultOptions, TimeProvider.System))
    {
    }

    private static readonly ModelRouterOptions DefaultOptions = new();

    private readonly FrozenDictionary<string, IVendorSelector> _selectors = selectors
        .GroupBy(s => s.Name, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    private readonly FrozenDictionary<string, IProviderAdapter> _adapters = adapters
        .GroupBy(a => a.ProviderKind, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(g => g.Key, g => g.Last(), StringComparer.OrdinalIgnoreCase);

    public RoutingSnapshot Compile(ModelRouterConfig config, RoutingSnapshot? previous = null)
    {
        var llms = config.Llms.ToDictionary(l => l.Id, l => new LlmSnapshot(l, _adapters[l.Provider], health.GetOrCreate(l)), StringComparer.Ordinal);
        health.Retain(llms.Keys);
        var routers = config.Routers.ToFrozenDictionary(
            r => r.Slug,
            r => new RouterSnapshot(r, [.. r.Pools
                .Select((pool, index) => (pool, index))
                .OrderByDescending(p => p.pool.Priority)
                .ThenBy(p => p.index)
                .Select(p => new PoolSnapshot(
                    r,
                    p.pool,
                    GlobPattern.Parse(p.pool.ModelPattern),
                    _selectors[p.pool.Algorithm],
                    [.. p.pool.Vendors.Select(v => new VendorSnapshot(v, llms[v.Llm]))],
                    FindPool(previous, r.Slug, p.pool.Name)))]),
            StringComparer.Ordinal);
        return new RoutingSnapshot(config, routers, new AppKeyIndex(config.Apps));
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
