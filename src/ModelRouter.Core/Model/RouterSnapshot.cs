using ModelRouter.Configuration;
using ModelRouter.Health;

namespace ModelRouter.Model;

/// <summary>A compiled router.</summary>
public sealed class RouterSnapshot
{
    internal RouterSnapshot(RouterConfig config, PoolSnapshot[] pools, RouterTraffic? traffic = null)
    {
        Config = config;
        PoolArray = pools;
        foreach (var pool in pools)
        {
            pool.FallbackPools = Resolve(pools, pool.Config.Fallbacks);
            pool.ContextWindowFallbackPools = Resolve(pools, pool.Config.ContextWindowFallbacks);
        }
        Traffic = traffic ?? new RouterTraffic(TimeProvider.System);
    }

    /// <summary>Gets the router's request counts over the last minutes, kept across reloads.</summary>
    internal RouterTraffic Traffic { get; }

    /// <summary>Gets the router's configuration.</summary>
    public RouterConfig Config { get; }

    /// <summary>Gets the router's slug.</summary>
    public string Slug => Config.Slug;

    /// <summary>Gets the pools sorted by descending priority, equal priorities in configuration order.</summary>
    public IReadOnlyList<PoolSnapshot> Pools => PoolArray;

    /// <summary>Gets the same pools as <see cref="Pools"/> as an array: a <c>foreach</c> over it allocates no enumerator.</summary>
    internal PoolSnapshot[] PoolArray { get; }

    /// <summary>The pools named in <paramref name="names"/>, in order; a name no pool has (the validator refuses it) is left out.</summary>
    internal static PoolSnapshot[] Resolve(PoolSnapshot[] pools, IReadOnlyList<string> names)
        => names.Count == 0 ? [] : [.. names.Select(n => Array.Find(pools, p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase))).OfType<PoolSnapshot>()];

    /// <summary>Tells whether an instance of namespace <paramref name="instanceNamespace"/> serves this router.</summary>
    public bool IsServedIn(string instanceNamespace)
    {
        var namespaces = Config.Namespaces;
        if (namespaces.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < namespaces.Count; i++)
        {
            if (string.Equals(namespaces[i], instanceNamespace, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
