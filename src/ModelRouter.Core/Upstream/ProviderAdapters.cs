using System.Collections.Frozen;
using ModelRouter.Model;

namespace ModelRouter.Upstream;

/// <summary>The registered <see cref="IProviderAdapter"/>s by provider kind; the last registration of a kind wins.</summary>
internal sealed class ProviderAdapters(IEnumerable<IProviderAdapter> adapters)
{
    private readonly FrozenDictionary<string, IProviderAdapter> _byKind = adapters
        .GroupBy(a => a.ProviderKind, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(g => g.Key, g => g.Last(), StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the provider kinds served.</summary>
    public IEnumerable<string> Kinds => _byKind.Keys;

    /// <summary>Gets the adapter that speaks <paramref name="llm"/>'s protocol.</summary>
    /// <exception cref="KeyNotFoundException">No adapter serves the LLM's provider; validation refuses such a configuration before it is compiled.</exception>
    public IProviderAdapter For(LlmSnapshot llm) => _byKind[llm.Config.Provider];

    /// <summary>Tells whether an adapter serves <paramref name="providerKind"/>.</summary>
    public bool Serves(string providerKind) => _byKind.ContainsKey(providerKind);
}
