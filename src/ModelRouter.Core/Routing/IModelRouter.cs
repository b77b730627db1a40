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

    /// <summary>
    /// Tells how a request for <paramref name="model"/> to router <paramref name="routerSlug"/> would be routed now: the
    /// pool, the pools passed over, each vendor's mapped model, the order of the candidates and why any vendor is skipped.
    /// Calls no vendor, takes no selection turn and changes no health state. No app key is checked: this is for operators.
    /// </summary>
    /// <exception cref="ModelRouterException">No configuration is loaded yet, or no router has that slug.</exception>
    ModelRouterExplanation Explain(string routerSlug, string model);
}
