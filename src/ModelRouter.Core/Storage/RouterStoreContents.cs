using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>Everything a writable store holds, with the revision of each item.</summary>
public sealed record RouterStoreContents
{
    /// <summary>Gets or sets the revision of the whole store; it changes with every write.</summary>
    public string Revision { get; init; } = "";

    /// <summary>Gets or sets the LLMs.</summary>
    public IReadOnlyList<StoredItem<LlmConfig>> Llms { get; init; } = [];

    /// <summary>Gets or sets the routers.</summary>
    public IReadOnlyList<StoredItem<RouterConfig>> Routers { get; init; } = [];

    /// <summary>Gets or sets the apps.</summary>
    public IReadOnlyList<StoredItem<AppConfig>> Apps { get; init; } = [];

    /// <summary>Gets the validator that accepted these contents as they are, or <see langword="null"/> when none did (contents read from a database).</summary>
    internal IModelRouterConfigValidator? ValidatedBy { get; init; }

    /// <summary>Returns the LLM with this id (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<LlmConfig>? FindLlm(string id) => Llms.FirstOrDefault(l => string.Equals(l.Item.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the router with this slug (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<RouterConfig>? FindRouter(string slug) => Routers.FirstOrDefault(r => string.Equals(r.Item.Slug, slug, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the app with this name (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<AppConfig>? FindApp(string name) => Apps.FirstOrDefault(a => string.Equals(a.Item.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the contents as one configuration, the shape routing and export use.</summary>
    public ModelRouterConfig ToConfig() => new()
    {
        Revision = Revision,
        Llms = [.. Llms.Select(l => l.Item)],
        Routers = [.. Routers.Select(r => r.Item)],
        Apps = [.. Apps.Select(a => a.Item)],
    };
}
