using ModelRouter.Model;

namespace ModelRouter.Selection;

/// <summary>A selector that can tell which vendor its next pick would be without taking that pick's turn (for explain).</summary>
/// <remarks>Failover picks take no turn by contract, so after this first vendor the order follows from <see cref="IVendorSelector.SelectVendor"/>.</remarks>
internal interface IVendorSelectorPreview
{
    /// <summary>Returns the vendor a request's first pick among <paramref name="candidates"/> would choose now, changing no state.</summary>
    VendorSnapshot? PeekVendor(PoolSnapshot pool, VendorCandidates candidates);
}
