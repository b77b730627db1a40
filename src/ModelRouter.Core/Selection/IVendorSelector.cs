using ModelRouter.Model;

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
