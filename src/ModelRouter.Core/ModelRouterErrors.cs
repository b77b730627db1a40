namespace ModelRouter;

/// <summary>The one table that gives each <see cref="ModelRouterErrorKind"/> its HTTP status and OpenAI error type and code.</summary>
internal static class ModelRouterErrors
{
    private static readonly Description[] s_table = Build();

    /// <summary>Gets the status, type and code of a kind.</summary>
    public static Description Describe(ModelRouterErrorKind kind)
        => (uint)kind < (uint)s_table.Length ? s_table[(int)kind] : s_table[(int)ModelRouterErrorKind.Internal];

    private static Description[] Build()
    {
        var table = new Description[Enum.GetValues<ModelRouterErrorKind>().Length];
        void Add(ModelRouterErrorKind kind, int status, string type, string? code) => table[(int)kind] = new(status, type, code);

        Add(ModelRouterErrorKind.InvalidRequest, 400, "invalid_request_error", "invalid_request");
        Add(ModelRouterErrorKind.Unauthorized, 401, "authentication_error", "invalid_api_key");
        Add(ModelRouterErrorKind.Forbidden, 403, "permission_error", "router_not_allowed");
        Add(ModelRouterErrorKind.RouterNotFound, 404, "invalid_request_error", "router_not_found");
        Add(ModelRouterErrorKind.ModelNotFound, 404, "invalid_request_error", "model_not_found");
        Add(ModelRouterErrorKind.MethodNotAllowed, 405, "invalid_request_error", "method_not_allowed");
        Add(ModelRouterErrorKind.RequestTooLarge, 413, "invalid_request_error", "request_too_large");
        Add(ModelRouterErrorKind.UpstreamRejected, 400, "invalid_request_error", null); // the vendor's own status, type and code replace these
        Add(ModelRouterErrorKind.RateLimited, 429, "rate_limit_error", "rate_limit_exceeded");
        Add(ModelRouterErrorKind.AllVendorsFailed, 502, "upstream_error", "vendors_failed");
        Add(ModelRouterErrorKind.UpstreamTimeout, 504, "upstream_error", "upstream_timeout");
        Add(ModelRouterErrorKind.NoAvailableVendor, 503, "service_unavailable_error", "no_available_vendor");
        Add(ModelRouterErrorKind.StreamInterrupted, 502, "upstream_error", "stream_interrupted");
        Add(ModelRouterErrorKind.StoreUnavailable, 503, "service_unavailable_error", "store_unavailable");
        Add(ModelRouterErrorKind.NotConfigured, 503, "service_unavailable_error", "not_configured");
        Add(ModelRouterErrorKind.Internal, 500, "server_error", "internal_error");
        Add(ModelRouterErrorKind.PaymentRequired, 402, "billing_error", "payment_required");
        return table;
    }

    /// <summary>What a kind of error looks like at the HTTP edge.</summary>
    internal readonly record struct Description(int StatusCode, string Type, string? Code);
}
