using ModelRouter.Model;

namespace ModelRouter.Selection;

/// <summary>
/// <c>weighted</c>: smooth weighted round-robin. Deterministic: over every sum(weights) consecutive picks among the
/// same eligible vendors, each gets exactly its weight, interleaved rather than bunched (weights 3:1 give A A B A, not A A A B).
/// </summary>
/// <remarks>
/// Each pick holds a per-pool lock for a few dozen instructions. A failover pick takes the eligible vendor the next
/// turn would favour without taking that turn, so failovers do not shift the split of later requests.
/// </remarks>
internal sealed class WeightedVendorSelector : IVendorSelector, IVendorSelectorPreview
{
    /// <inheritdoc/>
    public string Name => VendorSelectors.Weighted;

    /// <inheritdoc/>
    public VendorSnapshot? SelectVendor(PoolSnapshot pool, VendorCandidates candidates) => Pick(pool, candidates, takeTurn: !candidates.IsFailover);

    /// <inheritdoc/>
    public VendorSnapshot? PeekVendor(PoolSnapshot pool, VendorCandidates candidates) => Pick(pool, candidates, takeTurn: false);

    private static VendorSnapshot? Pick(PoolSnapshot pool, VendorCandidates candidates, bool takeTurn)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var vendors = pool.AvailableVendors;
        if (vendors.Count == 0)
        {
            return null;
        }

        var state = pool.GetOrAddSelectorState(static p => new State(p.AvailableVendors.Count));
        lock (state)
        {
            var best = -1;
            long bestScore = 0;
            long total = 0;
            var current = state.Current;
            for (var i = 0; i < current.Length; i++)
            {
                if (!candidates.IsEligible(i))
                {
                    continue;
                }

                var weight = vendors[i].Weight;
                var score = current[i] + weight;
                total += weight;
                if (best < 0 || score > bestScore)
                {
                    best = i;
                    bestScore = score;
                }
            }

            if (best < 0)
            {
                return null;
            }

            if (takeTurn)
            {
                for (var i = 0; i < current.Length; i++)
                {
                    if (candidates.IsEligible(i))
                    {
                        current[i] += vendors[i].Weight;
                    }
                }

                current[best] -= total;
            }

            return vendors[best];
        }
    }

    private sealed class State(int count)
    {
        public long[] Current { get; } = new long[count];
    }
}
