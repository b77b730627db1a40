namespace ModelRouter;

/// <summary>Why a request could not be served. Each kind maps to one HTTP status and OpenAI error type.</summary>
public enum ModelRouterErrorKind
{
    /// <summary>The body is malformed or misses a required field (400).</summary>
    InvalidRequest,

    /// <summary>No app key, or an unknown one (401).</summary>
    Unauthorized,

    /// <summary>The app key is valid but the app may not call this router (403).</summary>
    Forbidden,

    /// <summary>No active router with this slug is served by this instance (404).</summary>
    RouterNotFound,

    /// <summary>No pool of the router matches the requested model (404).</summary>
    ModelNotFound,

    /// <summary>The HTTP method is not supported on this path (405).</summary>
    MethodNotAllowed,

    /// <summary>The body is over the configured limit (413).</summary>
    RequestTooLarge,

    /// <summary>The vendor rejected the request itself (a 4xx other than 408 and 429), passed through with its status.</summary>
    UpstreamRejected,

    /// <summary>Every vendor tried was rate limited (429, with <c>Retry-After</c>).</summary>
    RateLimited,

    /// <summary>Every vendor tried failed: connection errors, 5xx, invalid responses, rejected credentials (502).</summary>
    AllVendorsFailed,

    /// <summary>The last vendor tried timed out (504).</summary>
    UpstreamTimeout,

    /// <summary>The pool has no vendor that can take traffic now (503).</summary>
    NoAvailableVendor,

    /// <summary>A stream already under way was cut or failed; the answer is incomplete.</summary>
    StreamInterrupted,

    /// <summary>The router has not loaded its configuration yet because its store does not answer (503, with <c>Retry-After</c>).</summary>
    StoreUnavailable,

    /// <summary>The router has no routers and no apps: its configuration is missing or empty (503).</summary>
    NotConfigured,

    /// <summary>The router itself failed unexpectedly (500); the cause is logged, never sent.</summary>
    Internal,

    /// <summary>The product's entitlement gate denies service (402): nothing was forwarded.</summary>
    PaymentRequired,
}
