namespace ModelRouter.Configuration;

/// <summary>Everything a store holds: LLMs, routers and apps, as one immutable revision.</summary>
public sealed record ModelRouterConfig
{
    /// <summary>Gets or sets an opaque identifier that changes whenever the content changes.</summary>
    public string Revision { get; init; } = "";

    /// <summary>Gets or sets the configured LLMs.</summary>
    public IReadOnlyList<LlmConfig> Llms { get; init; } = [];

    /// <summary>Gets or sets the routers.</summary>
    public IReadOnlyList<RouterConfig> Routers { get; init; } = [];

    /// <summary>Gets or sets the client apps and their keys.</summary>
    public IReadOnlyList<AppConfig> Apps { get; init; } = [];
}
