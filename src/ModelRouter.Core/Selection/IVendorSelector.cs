using ModelRouter.Routing;

namespace ModelRouter.Selection;

/// <summary>Picks the next vendor of a pool. Registered by <see cref="Name"/>, which pools name in their <c>algorithm</c>.</summary>
/// <remarks>
/// Implementations must be thread-safe and cheap: they run on every request. Keep per-pool state with
/// <see cref="PoolSnapshot.GetOrAddSelectorState{T}(Func{PoolSnapshot, T})"/> so that a reload starts it afresh.
/// </remarks>
public interface IVendorSelector
{
    /// <summary>Gets the algorithm name pools use to pick this selector, for example <c>round_robin</c>.</summary>
    string Name { get; }

    /// <summary>Picks a vendor among the eligible vendors of a pool.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="candidates">Which of <see cref="PoolSnapshot.AvailableVendors"/> may be picked for this attempt.</param>
    /// <returns>The vendor, or <see langword="null"/> when no candidate is eligible.</returns>
    VendorSnapshot? SelectVendor(PoolSnapshot pool, VendorCandidates candidates);
}

/// <summary>The names of the built-in vendor selectors.</summary>
public static class VendorSelectors
{
    /// <summary>Each available vendor in turn, in configuration order.</summary>
    public const string RoundRobin = "round_robin";

    /// <summary>Smooth weighted round-robin: over every sum of weights picks, each vendor gets exactly its weight, spread out.</summary>
    public const string Weighted = "weighted";
}

/// <summary>Which vendors of a pool may be picked for the current attempt.</summary>
/// <remarks>
/// A vendor is out when it was already tried for this request, or when it is unavailable (cooling down). Selectors
/// should share turns evenly among the available vendors, and within one request move on to the next untried one
/// without taking a turn: a failover must not change which vendor the next request starts with.
/// </remarks>
public readonly struct VendorCandidates
{
    private readonly VendorSet _tried;
    private readonly VendorSet _unavailable;
    private readonly int _lastTried;

    /// <summary>Creates the candidate set of a pool with the vendors in <paramref name="tried"/> left out.</summary>
    public VendorCandidates(VendorSet tried)
        : this(tried, default)
    {
    }

    /// <summary>Creates the candidate set of a pool with tried and unavailable (cooling) vendors left out.</summary>
    public VendorCandidates(VendorSet tried, VendorSet unavailable)
        : this(tried, unavailable, -1)
    {
    }

    /// <summary>Creates the candidate set of a failover pick: <paramref name="lastTried"/> is the vendor this request tried last.</summary>
    public VendorCandidates(VendorSet tried, VendorSet unavailable, int lastTried)
    {
        _tried = tried;
        _unavailable = unavailable;
        _lastTried = lastTried;
    }

    /// <summary>Gets the position of the vendor this request tried last, or -1 on the request's first pick.</summary>
    public int LastTried => _lastTried;

    /// <summary>Gets a value indicating whether this pick replaces a vendor the request already tried (a failover), which takes no turn.</summary>
    public bool IsFailover => _lastTried >= 0;

    /// <summary>Tells whether the vendor at <paramref name="poolIndex"/> in <see cref="PoolSnapshot.AvailableVendors"/> may be picked.</summary>
    public bool IsEligible(int poolIndex) => !_tried.Contains(poolIndex) && !_unavailable.Contains(poolIndex);

    /// <summary>Tells whether the vendor at <paramref name="poolIndex"/> takes traffic now (it is not cooling down), tried or not.</summary>
    public bool IsAvailable(int poolIndex) => !_unavailable.Contains(poolIndex);

    /// <summary>Gets a value indicating whether every vendor may be picked.</summary>
    public bool AllEligible => _tried.IsEmpty && _unavailable.IsEmpty;
}

/// <summary>A small set of vendor positions in a pool; no allocation up to 64 vendors.</summary>
public struct VendorSet
{
    private ulong _low;
    private HashSet<int>? _high;

    /// <summary>Gets how many positions the set holds.</summary>
    public readonly int Count => System.Numerics.BitOperations.PopCount(_low) + (_high?.Count ?? 0);

    /// <summary>Gets a value indicating whether the set is empty.</summary>
    public readonly bool IsEmpty => _low == 0 && (_high is null || _high.Count == 0);

    /// <summary>Adds a position.</summary>
    public void Add(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index < 64)
        {
            _low |= 1UL << index;
        }
        else
        {
            (_high ??= []).Add(index);
        }
    }

    /// <summary>Tells whether the set holds <paramref name="index"/>.</summary>
    public readonly bool Contains(int index)
        => index < 64 ? (_low & (1UL << index)) != 0 : _high is not null && _high.Contains(index);
}
