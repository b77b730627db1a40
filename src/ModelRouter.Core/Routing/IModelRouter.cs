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
