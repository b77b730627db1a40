namespace ModelRouter.Routing;

/// <summary>Names the router uses that hosts may need.</summary>
public static class ModelRouterDefaults
{
    /// <summary>
    /// The name of the client whose handler pipeline carries upstream requests (configure it through IHttpClientFactory:
    /// primary handler, delegating handlers, proxies, certificates). The router sends through the handlers directly, so
    /// <see cref="HttpClient"/>-level settings (<c>Timeout</c>, <c>DefaultRequestHeaders</c>, <c>BaseAddress</c>) do not
    /// apply: timeouts are per LLM, extra headers are the LLM's <c>headers</c>.
    /// </summary>
    public const string HttpClientName = "ModelRouter";
}
