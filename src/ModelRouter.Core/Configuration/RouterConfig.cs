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

    /// <summary>Gets or sets the pools, checked by descending <see cref="PoolConfig.Priority"/>.</summary>
    public IReadOnlyList<PoolConfig> Pools { get; init; } = [];
}

/// <summary>A group of vendors serving the models that match <see cref="ModelPattern"/>.</summary>
public sealed record PoolConfig
{
    /// <summary>Gets or sets the pool name, unique within its router. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets the glob pattern over requested model names (<c>*</c>, <c>?</c>, <c>[a-z]</c>).</summary>
    /// <value>The default is <c>*</c>.</value>
    public string ModelPattern { get; init; } = "*";

    /// <summary>Gets or sets the name of the vendor selector.</summary>
    /// <value>The default is <c>round_robin</c> (<see cref="Selection.VendorSelectors.RoundRobin"/>).</value>
    public string Algorithm { get; init; } = Selection.VendorSelectors.RoundRobin;

    /// <summary>Gets or sets the priority; higher is checked first, equal keeps configuration order.</summary>
    public int Priority { get; init; }

    /// <summary>Gets or sets the most vendors tried for one request; <see langword="null"/> tries every active vendor once.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// Gets or sets the upstream status codes that fail over to the next vendor, replacing the default list
    /// (408, 429, 5xx, 529, and 401/402/403 as credential failures); other 4xx go back to the client as they are.
    /// <see langword="null"/> keeps the default.
    /// </summary>
    public IReadOnlyList<int>? FailoverStatusCodes { get; init; }

    /// <summary>Gets or sets the vendors of this pool.</summary>
    public IReadOnlyList<VendorConfig> Vendors { get; init; } = [];
}

/// <summary>A vendor of a pool: a reference to an LLM with its weight and model mappings.</summary>
public sealed record VendorConfig
{
    /// <summary>Gets or sets the <see cref="LlmConfig.Id"/> this vendor sends requests to. Required.</summary>
    public string Llm { get; init; } = "";

    /// <summary>Gets or sets the selection weight; 0 takes no traffic.</summary>
    /// <value>The default is 1.</value>
    public int Weight { get; init; } = 1;

    /// <summary>Gets or sets a value indicating whether the vendor takes traffic.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Active { get; init; } = true;

    /// <summary>Gets or sets the model renames applied when this vendor is selected.</summary>
    public IReadOnlyList<ModelMappingConfig> ModelMappings { get; init; } = [];
}

/// <summary>Renames a requested model for one vendor.</summary>
public sealed record ModelMappingConfig
{
    /// <summary>Gets or sets the model name the client requested (exact, case-sensitive). Required.</summary>
    public string Source { get; init; } = "";

    /// <summary>Gets or sets the model name sent to the vendor. Required.</summary>
    public string Target { get; init; } = "";
}

/// <summary>A client application allowed to call some routers with its own key.</summary>
public sealed record AppConfig
{
    /// <summary>Gets or sets the unique app name. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets the key the app sends as <c>Authorization: Bearer</c>. Required.</summary>
    public string ApiKey { get; init; } = "";

    /// <summary>Gets or sets the slugs of the routers this app may call; <c>*</c> allows every router.</summary>
    public IReadOnlyList<string> Routers { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"AppConfig {{ Name = {Name}, ApiKey = ***, Routers = [{string.Join(", ", Routers)}] }}";
}
