namespace ModelRouter.Diagnostics;

/// <summary>
/// Receives one <see cref="ModelRouterUsageRecord"/> per finished request: for billing, budgets and analytics. Register any
/// number as singletons (<c>services.AddSingleton&lt;IModelRouterObserver, MyObserver&gt;()</c>).
/// </summary>
/// <remarks>
/// Records are handed over through a bounded queue and delivered one at a time on a background task, never on the request
/// path: an observer that throws or is slow delays and breaks no request. Records that find the queue full are dropped and
/// counted (<c>model_router.observer.dropped</c>).
/// </remarks>
public interface IModelRouterObserver
{
    /// <summary>Receives the record of a finished request.</summary>
    ValueTask OnRequestCompletedAsync(ModelRouterUsageRecord record, CancellationToken cancellationToken);
}
