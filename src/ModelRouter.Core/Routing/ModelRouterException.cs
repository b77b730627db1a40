namespace ModelRouter.Routing;

/// <summary>A request the router could not serve, with the status and safe message the caller gets.</summary>
/// <remarks>Messages never contain API keys, client credentials or upstream URLs.</remarks>
public sealed class ModelRouterException : Exception
{
    /// <summary>Creates an error of the given kind.</summary>
    public ModelRouterException(ModelRouterErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = DefaultStatusCode(kind);
    }

    /// <summary>Creates an error with a default message.</summary>
    public ModelRouterException()
        : this(ModelRouterErrorKind.AllVendorsFailed, "The request could not be routed.")
    {
    }

    /// <summary>Creates an error with a message.</summary>
    public ModelRouterException(string message)
        : this(ModelRouterErrorKind.AllVendorsFailed, message)
    {
    }

    /// <summary>Creates an error with a message and cause.</summary>
    public ModelRouterException(string message, Exception innerException)
        : this(ModelRouterErrorKind.AllVendorsFailed, message, innerException)
    {
    }

    /// <summary>Gets the kind of error.</summary>
    public ModelRouterErrorKind Kind { get; }

    /// <summary>Gets the HTTP status code the caller gets.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the OpenAI error <c>type</c>.</summary>
    public string ErrorType
    {
        get => field ?? DefaultType(Kind);
        init;
    }

    /// <summary>Gets the OpenAI error <c>code</c>, or <see langword="null"/>.</summary>
    public string? ErrorCode
    {
        get => field ?? DefaultCode(Kind);
        init;
    }

    /// <summary>Gets the request field at fault, or <see langword="null"/>.</summary>
    public string? Param { get; init; }

    /// <summary>Gets how long the caller should wait before trying again, when known.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the id of the LLM that produced the error, when one did.</summary>
    public string? Vendor { get; init; }

    /// <summary>Gets how many vendors were tried.</summary>
    public int Attempts { get; init; }

    private static int DefaultStatusCode(ModelRouterErrorKind kind) => kind switch
    {
        ModelRouterErrorKind.InvalidRequest => 400,
        ModelRouterErrorKind.Unauthorized => 401,
        ModelRouterErrorKind.Forbidden => 403,
        ModelRouterErrorKind.RouterNotFound or ModelRouterErrorKind.ModelNotFound => 404,
        ModelRouterErrorKind.MethodNotAllowed => 405,
        ModelRouterErrorKind.RequestTooLarge => 413,
        ModelRouterErrorKind.UpstreamRejected => 400,
        ModelRouterErrorKind.RateLimited => 429,
        ModelRouterErrorKind.NoAvailableVendor or ModelRouterErrorKind.StoreUnavailable or ModelRouterErrorKind.NotConfigured => 503,
        ModelRouterErrorKind.UpstreamTimeout => 504,
        _ => 502,
    };

    private static string DefaultType(ModelRouterErrorKind kind) => kind switch
    {
        ModelRouterErrorKind.Unauthorized => "authentication_error",
        ModelRouterErrorKind.Forbidden => "permission_error",
        ModelRouterErrorKind.RateLimited => "rate_limit_error",
        ModelRouterErrorKind.NoAvailableVendor or ModelRouterErrorKind.StoreUnavailable or ModelRouterErrorKind.NotConfigured => "service_unavailable_error",
        ModelRouterErrorKind.AllVendorsFailed or ModelRouterErrorKind.UpstreamTimeout or ModelRouterErrorKind.StreamInterrupted => "upstream_error",
        _ => "invalid_request_error",
    };

    private static string? DefaultCode(ModelRouterErrorKind kind) => kind switch
    {
        ModelRouterErrorKind.Unauthorized => "invalid_api_key",
        ModelRouterErrorKind.Forbidden => "router_not_allowed",
        ModelRouterErrorKind.RouterNotFound => "router_not_found",
        ModelRouterErrorKind.ModelNotFound => "model_not_found",
        ModelRouterErrorKind.MethodNotAllowed => "method_not_allowed",
        ModelRouterErrorKind.RequestTooLarge => "request_too_large",
        ModelRouterErrorKind.RateLimited => "rate_limit_exceeded",
        ModelRouterErrorKind.AllVendorsFailed => "vendors_failed",
        ModelRouterErrorKind.UpstreamTimeout => "upstream_timeout",
        ModelRouterErrorKind.NoAvailableVendor => "no_available_vendor",
        ModelRouterErrorKind.StreamInterrupted => "stream_interrupted",
        ModelRouterErrorKind.StoreUnavailable => "store_unavailable",
        ModelRouterErrorKind.NotConfigured => "not_configured",
        ModelRouterErrorKind.InvalidRequest => "invalid_request",
        _ => null,
    };
}
