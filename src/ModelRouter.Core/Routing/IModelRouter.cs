namespace ModelRouter.Routing;

/// <summary>The routing pipeline: authenticate, find the router and pool, select a vendor, forward, fail over.</summary>
/// <remarks>The HTTP endpoint is a thin adapter over this interface; in-process callers use it directly.</remarks>
public interface IModelRouter
{
    /// <summary>Routes one chat completion request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the request and its upstream call; a cancelled request is not a vendor failure.</param>
    /// <returns>The vendor's answer in OpenAI's shape. Dispose it when done; for streams that ends the upstream call.</returns>
    /// <exception cref="ModelRouterException">The request could not be served; the exception carries the status and a safe message.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<ModelRouterResponse> RouteAsync(ModelRouterRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One chat completion request for a router.</summary>
public sealed class ModelRouterRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="routerSlug">The slug of the router.</param>
    /// <param name="body">The OpenAI chat completion body, UTF-8 JSON. It is not copied: keep it alive until the response is disposed.</param>
    public ModelRouterRequest(string routerSlug, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(routerSlug);
        RouterSlug = routerSlug;
        Body = body;
    }

    /// <summary>Gets the slug of the router.</summary>
    public string RouterSlug { get; }

    /// <summary>Gets the OpenAI chat completion body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Gets or sets the client app key; required unless <c>requireAppKey</c> is off.</summary>
    public string? AppKey { get; init; }
}
