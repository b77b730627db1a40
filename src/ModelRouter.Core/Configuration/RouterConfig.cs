namespace ModelRouter.Configuration;

/// <summary>A router: the unit served at <c>/router/{slug}/v1/chat/completions</c>.</summary>
public sealed record RouterConfig
{
    /// <summary>Gets or sets the unique, URL-safe slug (<c>[a-z0-9-]</c>, 1 to 64 characters). Required.</summary>
    public string Slug { get; init; } = "";

    /// <summary>Gets or sets the display name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets a free-text description.</summary>
    public string Description { get; init; } = "";

    /// <summary>Gets or sets a value indicating whether the router serves requests.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Active { get; init; } = true;

    /// <summary>Gets or sets the instance namespaces that serve this router; empty means every instance.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>
    /// Gets or sets the deadline of a request that sets none itself (<c>x-model-router-timeout-ms</c>), in seconds: every
    /// attempt, failovers and fallback pools included, shares it, and when it passes the answer is 504.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no deadline beyond each LLM's own timeouts.</value>
    public double? RequestTimeoutSeconds { get; init; }

    /// <summary>Gets or sets the pools, checked by descending <see cref="PoolConfig.Priority"/>.</summary>
    public IReadOnlyList<PoolConfig> Pools { get; init; } = [];
}
