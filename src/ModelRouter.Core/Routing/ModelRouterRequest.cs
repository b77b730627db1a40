namespace ModelRouter.Routing;

/// <summary>One request for a router: a chat completion unless <see cref="Operation"/> says otherwise.</summary>
public sealed class ModelRouterRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="routerSlug">The slug of the router.</param>
    /// <param name="body">The body, UTF-8 JSON, in the shape of <see cref="Operation"/>. It is not copied: keep it alive until the response is disposed.</param>
    public ModelRouterRequest(string routerSlug, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(routerSlug);
        RouterSlug = routerSlug;
        Body = body;
    }

    /// <summary>Gets the slug of the router.</summary>
    public string RouterSlug { get; }

    /// <summary>Gets the body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Gets what the request asks for (default: a chat completion); the body and the answer have its shape.</summary>
    public ModelRouterOperation Operation { get; init; }

    /// <summary>
    /// Gets a value indicating whether the body's <c>model</c> names the router (<c>{router}/{model}</c>, the unified
    /// endpoint): <see cref="RouterSlug"/> is then ignored.
    /// </summary>
    internal bool RouterFromModel { get; init; }

    /// <summary>Gets the client's <c>anthropic-version</c> header, for an Anthropic vendor of a Messages request.</summary>
    internal string? AnthropicVersion { get; init; }

    /// <summary>Gets the client's <c>anthropic-beta</c> header, for an Anthropic vendor of a Messages request.</summary>
    internal string? AnthropicBeta { get; init; }

    /// <summary>Gets or sets the client app key; required unless <c>requireAppKey</c> is off.</summary>
    public string? AppKey { get; init; }

    /// <summary>
    /// Gets or sets the name of the app the host authenticated the caller as (the app claim of the signed-in user): no
    /// app key is asked for, and the app's own state and router permissions apply, whether app keys are required or not.
    /// </summary>
    public string? AppName { get; init; }

    /// <summary>
    /// Gets a value indicating whether the host vouches for the caller in code: no app key is asked for, and the caller
    /// is not limited to an app's routers. The HTTP endpoint never sets it; set it only for callers that are the host's own code.
    /// </summary>
    public bool TrustedCaller { get; init; }

    /// <summary>
    /// Gets the request's deadline, counted from when routing starts: every attempt shares it, each waits for its
    /// response headers at most until it, no attempt starts after it, and when it passes the answer is a 504
    /// (<see cref="ModelRouterErrorKind.UpstreamTimeout"/>). The endpoint reads it from <c>x-model-router-timeout-ms</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the router's <c>requestTimeoutSeconds</c>, if it has one.</value>
    public TimeSpan? Timeout { get; init; }
}
