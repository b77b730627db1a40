namespace ModelRouter.Configuration;

/// <summary>A group of vendors serving the models that match <see cref="ModelPattern"/>.</summary>
public sealed record PoolConfig
{
    /// <summary>Gets or sets the pool name, unique within its router. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets the glob pattern over requested model names (<c>*</c>, <c>?</c>, <c>[a-z]</c>).</summary>
    /// <value>The default is <c>*</c>.</value>
    public string ModelPattern { get; init; } = "*";

    /// <summary>Gets or sets the name of the vendor selector.</summary>
    /// <value>The default is <c>round_robin</c> (<c>VendorSelectors.RoundRobin</c>).</value>
    public string Algorithm { get; init; } = "round_robin";

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

    /// <summary>
    /// Gets or sets the pools of the same router, by name, that a request goes on to, in order, when every vendor of this
    /// pool failed or is cooling: the first with an available vendor takes it, with its own selection and model mappings.
    /// </summary>
    /// <value>The default is none. Unknown names and cycles are refused.</value>
    public IReadOnlyList<string> Fallbacks { get; init; } = [];

    /// <summary>
    /// Gets or sets the pools of the same router, by name, that a request goes on to, in order, when a vendor of this pool
    /// answers that the request exceeds its context window: the first with an available vendor takes it. Without any (or
    /// with none available), the vendor's 400 goes back to the client. Such an answer never cools the vendor.
    /// </summary>
    /// <value>The default is none. Unknown names and cycles are refused.</value>
    public IReadOnlyList<string> ContextWindowFallbacks { get; init; } = [];

    /// <summary>Gets or sets the vendors of this pool.</summary>
    public IReadOnlyList<VendorConfig> Vendors { get; init; } = [];
}
