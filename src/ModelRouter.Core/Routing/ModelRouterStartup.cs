using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Storage;
using Polly;
using Polly.Retry;

namespace ModelRouter.Routing;

/// <summary>
/// Loads and validates the host settings and the configuration when the host starts, so that an invalid start fails
/// with every problem of both in one list. A store that does not answer does not: the host starts, requests get 503 and the health check reports
/// unhealthy, and the store is tried again with exponential backoff and jitter until it answers or the host stops.
/// </summary>
internal sealed class ModelRouterStartup(
    RoutingSnapshotProvider provider,
    ModelRouterSettings settings,
    TimeProvider timeProvider,
    ILogger<ModelRouterStartup> logger,
    IHostApplicationLifetime? lifetime = null) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loading = Task.CompletedTask;

    /// <summary>Returns once the configuration is loaded, or once the store failed its first try (the loading goes on in the background).</summary>
    /// <exception cref="ModelRouterConfigurationException">The configuration is invalid.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settingsValid = settings.TryInitialize(out var settingsErrors);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loading = LoadAsync(started, settingsValid ? settings.Current : new ModelRouterOptions(), _stopping.Token);
        try
        {
            await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelRouterConfigurationException ex) when (!settingsValid)
        {
            throw new ModelRouterConfigurationException([.. settingsErrors.Concat(ex.Errors).Distinct(StringComparer.Ordinal)]);
        }

        if (!settingsValid)
        {
            // The routers were fine (or their store is away): the settings alone stop the start.
            await _stopping.CancelAsync().ConfigureAwait(false);
            throw new ModelRouterConfigurationException(settingsErrors);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting for the store.
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task LoadAsync(TaskCompletionSource started, ModelRouterOptions settings, CancellationToken stopping)
    {
        var retry = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RouterStoreUnavailableException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(settings.StoreRetryDelaySeconds),
                MaxDelay = TimeSpan.FromSeconds(settings.StoreRetryMaxDelaySeconds),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var error = (RouterStoreUnavailableException)args.Outcome.Exception!;
                    provider.ReportStoreUnavailable(error, args.RetryDelay);
                    Log.StoreUnavailableAtStart(logger, error.Store, error.Reason, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds);
                    started.TrySetResult(); // The host may start; requests get 503 until the store answers.
                    return default;
                },
            })
            .Build();
        try
        {
            await retry.ExecuteAsync(
                static async (p, cancellationToken) => await p.InitializeAsync(cancellationToken).ConfigureAwait(false),
                provider,
                stopping).ConfigureAwait(false);
            started.TrySetResult();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            started.TrySetCanceled(stopping);
        }
        catch (Exception ex)
        {
            if (!started.TrySetException(ex))
            {
                // The host started while the store was away; a configuration that turns out invalid still stops it, as at start.
                Log.StartupLoadFailed(logger, ex);
                lifetime?.StopApplication();
            }
        }
    }
}
