using ModelRouter.Model;

namespace ModelRouter.Selection;

/// <summary>
/// <c>round_robin</c>: the pool's available vendors in configuration order, in turn. When every vendor is eligible,
/// N*k picks over k vendors give exactly N each, also under concurrency (one interlocked increment per pick); while some
/// vendors are out (cooling), turns go evenly among the others. A failover pick takes no turn: it moves on from the
/// vendor the request tried last to the next eligible one in configuration order, so a failing vendor does not make
/// every request start with it.
/// </summary>
internal sealed class RoundRobinVendorSelector : IVendorSelector, IVendorSelectorPreview
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

        if (candidates.IsFailover)
        {
            return NextAfter(vendors, candidates, candidates.LastTried);
        }

        var state = pool.GetOrAddSelectorState(static _ => new Counter());
        return Pick(vendors, candidates, (uint)(Interlocked.Increment(ref state.Value) - 1));
    }

    /// <inheritdoc/>
    public VendorSnapshot? PeekVendor(PoolSnapshot pool, VendorCandidates candidates)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.AvailableVendors.Count == 0)
        {
            return null;
        }

        // The turn the next increment hands out, read and not taken.
        var state = pool.GetOrAddSelectorState(static _ => new Counter());
        return Pick(pool.AvailableVendors, candidates, (uint)Volatile.Read(ref state.Value));
    }

    /// <summary>The vendor of turn <paramref name="turn"/>.</summary>
    private static VendorSnapshot? Pick(IReadOnlyList<VendorSnapshot> vendors, VendorCandidates candidates, uint turn)
    {
        var count = vendors.Count;
        if (candidates.AllEligible)
        {
            return vendors[(int)(turn % (uint)count)];
        }

        // Turns go evenly among the vendors that are not cooling.
        var available = 0;
        for (var i = 0; i < count; i++)
        {
            if (candidates.IsAvailable(i))
            {
                available++;
            }
        }

        if (available == 0)
        {
            return null;
        }

        var skip = (int)(turn % (uint)available);
        var start = 0;
        for (; start < count; start++)
        {
            if (candidates.IsAvailable(start) && skip-- == 0)
            {
                break;
            }
        }

        return NextAfter(vendors, candidates, start - 1);
    }

    /// <summary>The first eligible vendor after position <paramref name="after"/>, wrapping around.</summary>
    private static VendorSnapshot? NextAfter(IReadOnlyList<VendorSnapshot> vendors, VendorCandidates candidates, int after)
    {
        var count = vendors.Count;
        for (var i = 1; i <= count; i++)
        {
            var index = (after + i) % count;
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
