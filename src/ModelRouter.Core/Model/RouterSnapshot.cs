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
