namespace ModelRouter.Forwarding;

/// <summary>What an upstream status code means for the request and the vendor. Decided here, and only here.</summary>
public enum UpstreamOutcome
{
    /// <summary>2xx: the vendor answered.</summary>
    Success,

    /// <summary>The vendor failed (408, 5xx, 529, a timeout, a broken connection, an invalid answer): fail over and count it.</summary>
    VendorFailure,

    /// <summary>The vendor is rate limiting (429): fail over, honour <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>The vendor refused the router's own credentials (401, 402, 403): fail over; the client's key was fine.</summary>
    CredentialFailure,

    /// <summary>The request itself is at fault (400, 404, 413, 422 and other 4xx): return it to the client, no failover, no penalty.</summary>
    ClientError,
}
