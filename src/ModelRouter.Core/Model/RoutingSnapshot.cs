using System.Collections.Frozen;
using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>The compiled, immutable form of one configuration revision that requests read.</summary>
/// <remarks>A request reads the current snapshot once at its start and keeps it to its end.</remarks>
public sealed class RoutingSnapshot
{
    internal RoutingSnapshot(ModelRouterConfig config, FrozenDictionary<string, RouterSnapshot> routers, IReadOnlyDictionary<string, LlmSnapshot> llms, AppKeyIndex apps)
    {
        Config = config;
        Routers = routers;
        LlmsById = llms;
        Llms = [.. config.Llms.Select(l => llms[l.Id])];
        Apps = apps;
        IsEmpty = config.Routers.Count == 0 && config.Apps.Count == 0;
    }

    /// <summary>Gets the configuration this snapshot was compiled from.</summary>
    public ModelRouterConfig Config { get; }

    /// <summary>Gets the revision of <see cref="Config"/>.</summary>
    public string Revision => Config.Revision;

    /// <summary>Gets the compiled routers keyed by slug.</summary>
    public FrozenDictionary<string, RouterSnapshot> Routers { get; }

    /// <summary>Gets the compiled LLMs keyed by id, which the next compilation reuses when they are unchanged.</summary>
    internal IReadOnlyDictionary<string, LlmSnapshot> LlmsById { get; }

    internal AppKeyIndex Apps { get; }

    /// <summary>Gets the compiled LLMs in configuration order, those no pool uses included.</summary>
    internal IReadOnlyList<LlmSnapshot> Llms { get; }

    /// <summary>Gets a value indicating whether the configuration has no routers and no apps (a missing or empty section).</summary>
    internal bool IsEmpty { get; }

    /// <summary>Finds a router by slug.</summary>
    public bool TryGetRouter(string slug, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouterSnapshot? router)
        => Routers.TryGetValue(slug, out router);
}
