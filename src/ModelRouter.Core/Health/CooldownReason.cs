namespace ModelRouter.Health;

/// <summary>Why an LLM is cooling down.</summary>
internal enum CooldownReason
{
    /// <summary>Not cooling.</summary>
    None,

    /// <summary>The vendor asked to wait (<c>Retry-After</c> on 429).</summary>
    RateLimited,

    /// <summary>The vendor asked to wait (<c>Retry-After</c> on 503/529), or failed its half-open trial.</summary>
    Unavailable,

    /// <summary>The vendor refused the router's own credentials (401/402/403).</summary>
    CredentialsRejected,

    /// <summary>The circuit breaker opened after consecutive failures.</summary>
    CircuitOpen,
}
