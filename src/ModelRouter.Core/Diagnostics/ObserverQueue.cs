using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ModelRouter.Diagnostics;

/// <summary>
/// Hands usage records to the registered <see cref="IModelRouterObserver"/>s through a bounded queue, drained by one
/// background task: the request only ever enqueues, and what finds the queue full is dropped and counted.
/// </summary>
internal sealed class ObserverQueue : IAsyncDisposable, IDisposable
{
    /// <summary>The most records waiting for the observers; more are dropped.</summary>
    public const int Capacity = 4096;

    private readonly IModelRouterObserver[] _observers;
    private readonly ILogger _logger;
    private readonly Action _onDropped;
    private readonly Channel<ModelRouterUsageRecord> _queue =
        Channel.CreateBounded<ModelRouterUsageRecord>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationToken _stoppingToken;
    private readonly Task _drain;
    private long _dropped;

    public ObserverQueue(IModelRouterObserver[] observers, ILogger logger, Action onDropped)
    {
        _observers = observers;
        _logger = logger;
        _onDropped = onDropped;
        _stoppingToken = _stopping.Token;
        _drain = Task.Run(DrainAsync);
    }

    /// <summary>Gets how many records were dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a record without waiting; drops it when the queue is full.</summary>
    public void Post(ModelRouterUsageRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
            _onDropped();
        }
    }

    /// <summary>Delivers what is queued (for at most five seconds), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _drain.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // An observer still busy is told to stop.
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Stops at once: queued records are not delivered.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task DrainAsync()
    {
        await foreach (var record in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_stoppingToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var observer in _observers)
            {
                try
                {
                    await observer.OnRequestCompletedAsync(record, _stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // An observer's failure is its own: the next record and the next observer still get their turn.
                    Log.ObserverFailed(_logger, observer.GetType().Name, ex);
                }
            }
        }
    }
}
