using ModelRouter.Configuration;
using ModelRouter.Health;

namespace ModelRouter.Model;

/// <summary>A compiled pool: its glob and its vendors; <see cref="PoolConfig.Algorithm"/> names the selector that picks among them.</summary>
public sealed class PoolSnapshot
{
    private object? _selectorState;

    internal PoolSnapshot(RouterConfig router, PoolConfig config, GlobPattern pattern, VendorSnapshot[] vendors, PoolSnapshot? previous = null, RouterTraffic? traffic = null)
    {
        RouterSlug = router.Slug;
        Traffic = traffic ?? new RouterTraffic(TimeProvider.System);
        Config = config;
        Pattern = pattern;
        Vendors = vendors;
        AvailableVendors = [.. vendors.Where(v => v.Config.Active && v.Config.Weight > 0)];
        for (var i = 0; i < AvailableVendors.Count; i++)
        {
            ((VendorSnapshot)AvailableVendors[i]).PoolIndex = i;
        }

        MaxAttempts = Math.Max(1, Math.Min(config.MaxAttempts ?? int.MaxValue, AvailableVendors.Count));

        // Selection state (a round-robin position, smooth-weighted counters) survives a reload when the pool's
        // selectable vendors are unchanged; any change starts it afresh, so that state never points at the wrong vendor.
        if (previous is not null && string.Equals(previous.Config.Algorithm, config.Algorithm, StringComparison.Ordinal) && SameSelectableVendors(previous, this))
        {
            _selectorState = Volatile.Read(ref previous._selectorState);
        }
    }

    /// <summary>Gets the slug of the router this pool belongs to.</summary>
    public string RouterSlug { get; }

    /// <summary>Gets the pool's configuration.</summary>
    public PoolConfig Config { get; }

    /// <summary>Gets the pool's name.</summary>
    public string Name => Config.Name;

    /// <summary>Gets the compiled model pattern.</summary>
    public GlobPattern Pattern { get; }

    /// <summary>Gets every vendor in configuration order, including inactive ones.</summary>
    public IReadOnlyList<VendorSnapshot> Vendors { get; }

    /// <summary>Gets the vendors that may take traffic (active, weight above 0), in configuration order.</summary>
    /// <remarks><see cref="VendorSnapshot.PoolIndex"/> is the position in this list.</remarks>
    public IReadOnlyList<VendorSnapshot> AvailableVendors { get; }

    /// <summary>Gets the request counts of the router this pool belongs to.</summary>
    internal RouterTraffic Traffic { get; }

    /// <summary>Gets the most vendors tried for one request.</summary>
    public int MaxAttempts { get; }

    /// <summary>Gets the pools named by <see cref="PoolConfig.Fallbacks"/>, in order; set once the router's pools are compiled.</summary>
    internal PoolSnapshot[] FallbackPools { get; set; } = [];

    /// <summary>Gets the pools named by <see cref="PoolConfig.ContextWindowFallbacks"/>, in order; set once the router's pools are compiled.</summary>
    internal PoolSnapshot[] ContextWindowFallbackPools { get; set; } = [];

    private static bool SameSelectableVendors(PoolSnapshot a, PoolSnapshot b)
    {
        if (a.AvailableVendors.Count != b.AvailableVendors.Count)
        {
            return false;
        }

        for (var i = 0; i < a.AvailableVendors.Count; i++)
        {
            var x = a.AvailableVendors[i];
            var y = b.AvailableVendors[i];
            if (x.Llm.Id != y.Llm.Id || x.Weight != y.Weight)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the selector state attached to this pool, creating it on first use.</summary>
    /// <remarks>The state lives as long as the compiled pool: a configuration reload starts it afresh.</remarks>
    public T GetOrAddSelectorState<T>(Func<PoolSnapshot, T> factory)
        where T : class
    {
        if (Volatile.Read(ref _selectorState) is T state)
        {
            return state;
        }

        ArgumentNullException.ThrowIfNull(factory);
        var created = factory(this);
        return Interlocked.CompareExchange(ref _selectorState, created, null) as T ?? created;
    }
}
