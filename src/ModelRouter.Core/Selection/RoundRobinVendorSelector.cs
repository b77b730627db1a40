using ModelRouter.Routing;

namespace ModelRouter.Selection;

/// <summary>
/// <c>round_robin</c>: the pool's available vendors in configuration order, in turn. When every vendor is eligible,
/// N*k picks over k vendors give exactly N each, also under concurrency (one interlocked increment per pick).
/// </summary>
public sealed class RoundRobinVendorSelector : IVendorSelector
{
    /// <inheritdoc/>
    public string Name => VendorSelectors.RoundRobin;

    /// <inheritdoc/>
    public VendorSnapshot? SelectVendor(PoolSnapshot pool, VendorCandidates candidates)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var vendors = pool.AvailableVendors;
        var count = vendors.Count;
        if (count == 0)
        {
            return null;
        }

        var state = pool.GetOrAddSelectorState(static _ => new Counter());
        var start = (int)((uint)(Interlocked.Increment(ref state.Value) - 1) % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var index = start + i;
            if (index >= count)
            {
                index -= count;
            }

            if (candidates.IsEligible(index))
            {
                return vendors[index];
            }
        }

        return null;
    }

    private sealed class Counter
    {
        public int Value;
    }
}
