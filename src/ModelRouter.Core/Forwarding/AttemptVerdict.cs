namespace ModelRouter.Forwarding;

/// <summary>What one attempt at one vendor came to, for the request and for the LLM's health.</summary>
internal enum AttemptVerdict
{
    /// <summary>The vendor answered (2xx) and the answer is ready.</summary>
    Served,

    /// <summary>The vendor refused the request itself (a 4xx the pool does not fail over on): the client sees it; no failover, no penalty.</summary>
    Rejected,

    /// <summary>The vendor failed (5xx, 408, 529, a timeout, a broken connection, an invalid answer): fail over and count it.</summary>
    Failed,

    /// <summary>The vendor is rate limiting (429): fail over and honour <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>
    /// The request exceeds this vendor's context window (a 4xx that says so): the request's fault for this vendor, not the
    /// vendor's. No penalty; the request may go on to a pool with larger windows, else the client sees the refusal.
    /// </summary>
    ContextWindowExceeded,

    /// <summary>The vendor refused the router's own credentials (401, 402, 403): fail over and cool the LLM; the client's key was fine.</summary>
    CredentialsRejected,
}
