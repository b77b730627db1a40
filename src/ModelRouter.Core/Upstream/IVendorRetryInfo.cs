namespace ModelRouter.Upstream;

/// <summary>
/// An adapter whose vendor says how long to wait in the error body rather than (or as well as) in <c>Retry-After</c>, as
/// Google's <c>google.rpc.RetryInfo</c> does. The router asks it only for an error that fails over and has no
/// <c>Retry-After</c>; the wait then cools the LLM as a header's would.
/// </summary>
internal interface IVendorRetryInfo
{
    /// <summary>Reads the wait an error response's body asks for, or <see langword="null"/> when it names none.</summary>
    ValueTask<TimeSpan?> ReadRetryDelayAsync(HttpResponseMessage response, CancellationToken cancellationToken);
}
