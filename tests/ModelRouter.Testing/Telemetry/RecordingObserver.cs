using System.Threading.Channels;
using ModelRouter.Diagnostics;

namespace ModelRouter.Testing;

/// <summary>An observer that keeps every record it receives, for a test to await.</summary>
internal sealed class RecordingObserver : IModelRouterObserver
{
    private readonly Channel<ModelRouterUsageRecord> _records = Channel.CreateUnbounded<ModelRouterUsageRecord>();

    public ValueTask OnRequestCompletedAsync(ModelRouterUsageRecord record, CancellationToken cancellationToken)
    {
        _records.Writer.TryWrite(record);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits (at most 10 s) for the next record.</summary>
    public async Task<ModelRouterUsageRecord> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _records.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Takes a record already received, if any.</summary>
    public bool TryTake(out ModelRouterUsageRecord? record) => _records.Reader.TryRead(out record);
}

/// <summary>An observer that throws on every record.</summary>
internal sealed class ThrowingObserver : IModelRouterObserver
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public ValueTask OnRequestCompletedAsync(ModelRouterUsageRecord record, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        throw new InvalidOperationException("observer broke");
    }
}

/// <summary>An observer that does not return until released: a slow billing system.</summary>
internal sealed class BlockingObserver : IModelRouterObserver
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes when the first record arrives.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _release.TrySetResult();

    public async ValueTask OnRequestCompletedAsync(ModelRouterUsageRecord record, CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
    }
}
