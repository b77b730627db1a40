namespace ModelRouter.Routing;

/// <summary>One vendor of the matching pool: what it would be sent and whether the next request would try it.</summary>
public sealed record ExplainedVendor
{
    /// <summary>Gets the LLM id.</summary>
    public string Llm { get; init; } = "";

    /// <summary>Gets a value indicating whether the vendor is active.</summary>
    public bool Active { get; init; }

    /// <summary>Gets the vendor's weight.</summary>
    public int Weight { get; init; }

    /// <summary>Gets the model name this vendor would be sent.</summary>
    public string MappedModel { get; init; } = "";

    /// <summary>Gets the vendor's place (from 1) in the order the next request would try, or <see langword="null"/> when it is skipped.</summary>
    public int? Order { get; init; }

    /// <summary>
    /// Gets why the vendor is skipped, or <see langword="null"/>: <c>inactive</c>, <c>weight_zero</c>, <c>rate_limited</c>,
    /// <c>unavailable</c>, <c>credentials_rejected</c>, <c>circuit_open</c> (cooling for that reason), <c>trial_in_flight</c>
    /// (another request holds its half-open trial) or <c>max_attempts</c> (the pool's attempt limit is reached before it).
    /// </summary>
    public string? Skipped { get; init; }

    /// <summary>Gets the skip in words.</summary>
    public string? Detail { get; init; }

    /// <summary>Gets when a cooldown or an open breaker ends, when one keeps the vendor out.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets the LLM's circuit breaker state: <c>closed</c>, <c>open</c>, <c>half_open</c> or <c>isolated</c>.</summary>
    public string Breaker { get; init; } = "closed";

    /// <summary>Gets a value indicating whether a request sent to it would be its half-open trial after a cooldown or an open breaker.</summary>
    public bool Trial { get; init; }
}
