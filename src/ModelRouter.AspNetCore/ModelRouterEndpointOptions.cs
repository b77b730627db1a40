namespace ModelRouter.AspNetCore;

/// <summary>What <c>MapModelRouter</c> maps.</summary>
public sealed class ModelRouterEndpointOptions
{
    /// <summary>Gets or sets the path prefix of the routers' endpoints, <c>{prefix}/{slug}/v1/...</c>. The default is <c>/router</c>.</summary>
    public string Prefix { get; set; } = "/router";

    /// <summary>
    /// Gets or sets a value indicating whether the unified endpoint is served too (off by default):
    /// <c>POST /v1/chat/completions</c>, <c>/v1/embeddings</c> and <c>/v1/messages</c> with <c>model</c> as
    /// <c>{router}/{model}</c> (the router is the part before the first <c>/</c>, the rest the model its pools see), and
    /// <c>GET /v1/models</c>, listing <c>{router}/{name}</c> for every router the caller's app may call.
    /// </summary>
    public bool UnifiedEndpoint { get; set; }
}
