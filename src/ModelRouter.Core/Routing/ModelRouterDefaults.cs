namespace ModelRouter.Routing;

/// <summary>Names the router uses that hosts may need.</summary>
public static class ModelRouterDefaults
{
    /// <summary>The name of the <see cref="HttpClient"/> the router sends upstream requests with (configure it through IHttpClientFactory).</summary>
    public const string HttpClientName = "ModelRouter";

    /// <summary>The response header naming the LLM that served the request.</summary>
    public const string VendorHeader = "x-model-router-vendor";

    /// <summary>The response header counting the vendors tried.</summary>
    public const string AttemptsHeader = "x-model-router-attempts";
}
