using ModelRouter.Model;

namespace ModelRouter.Selection;

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
