using ModelRouter.Routing;

namespace ModelRouter.Selection;

/// <summary>
/// <c>round_robin</c>: the pool's available vendors in configuration order, in turn. When every vendor is eligible,
/// N*k picks over k vendors give exactly N each, also under concurrency (one interlocked increment per pick); while some
/// vendors are out (tried or cooling), turns go evenly among the others.
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
        var turn = (uint)(Interlocked.Increment(ref state.Value) - 1);
        if (candidates.AllEligible)
        {
            return vendors[(int)(turn % (uint)count)];
        }

        // Some vendors are out (tried, or cooling): take turns among the rest, so the split stays even among them.
        var eligible = 0;
        for (var i = 0; i < count; i++)
        {
            if (candidates.IsEligible(i))
            {
                eligible++;
            }
        }

        if (eligible == 0)
        {
            return null;
        }

        var pick = (int)(turn % (uint)eligible);
        for (var i = 0; i < count; i++)
        {
            if (candidates.IsEligible(i) && pick-- == 0)
            {
                return vendors[i];
            }
        }

        return null;
    }

    private sealed class Counter
    {
        public int Value;
    }
}
