using System.Collections.Frozen;
using ModelRouter.Model;

namespace ModelRouter.Selection;

/// <summary>The registered <see cref="IVendorSelector"/>s by <see cref="IVendorSelector.Name"/>; the last registration of a name wins.</summary>
internal sealed class VendorSelectorRegistry(IEnumerable<IVendorSelector> selectors)
{
    private readonly FrozenDictionary<string, IVendorSelector> _byName = selectors
        .GroupBy(s => s.Name, StringComparer.Ordinal)
        .ToFrozenDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <summary>Gets the selector a pool names in its <c>algorithm</c>.</summary>
    /// <exception cref="KeyNotFoundException">No selector has that name; validation refuses such a configuration before it is compiled.</exception>
    public IVendorSelector For(PoolSnapshot pool) => _byName[pool.Config.Algorithm];

    /// <summary>Tells whether a selector is registered under <paramref name="name"/>.</summary>
    public bool Has(string name) => _byName.ContainsKey(name);
}
