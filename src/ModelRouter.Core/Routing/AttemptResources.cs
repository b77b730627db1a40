using System.Runtime.CompilerServices;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>The response and the timeout of one attempt, disposed together when the caller is done.</summary>
internal sealed class AttemptResources : IDisposable
{
    private readonly CancellationTokenRegistration _callerRegistration;

    public AttemptResources(TimeProvider timeProvider, CancellationToken callerToken)
    {
        Timeout = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, timeProvider);
        CallerToken = callerToken;
        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), Timeout);
        }
    }

    /// <summary>Gets the source that cancels the upstream call: on the caller's cancellation, or when a timeout runs out.</summary>
    public CancellationTokenSource Timeout { get; }

    public CancellationToken CallerToken { get; }

    public HttpResponseMessage? Response { get; set; }

    /// <remarks>
    /// Synchronous on purpose: unregistering waits only if the caller's cancellation is running its callback right now,
    /// and that callback is one <see cref="CancellationTokenSource.Cancel()"/>.
    /// </remarks>
    public void Dispose()
    {
        _callerRegistration.Dispose();
        Response?.Dispose();
        Timeout.Dispose();
    }
}

/// <summary>Bounds a stream by idle time between chunks (never by a total deadline) and turns breaks into router errors.</summary>
internal sealed class IdleTimeoutEventStream(ChatEventReader inner, AttemptResources resources, TimeSpan idleTimeout) : ChatEventReader
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReadFirstAsync()
    {
        var chunk = await inner.ReadAsync(resources.Timeout.Token).ConfigureAwait(false);
        PauseIdleTimer();
        return chunk;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        var timeout = resources.Timeout;
        using var registration = cancellationToken.CanBeCanceled && cancellationToken != resources.CallerToken
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout)
            : default;
        try
        {
            timeout.CancelAfter(idleTimeout);
            var chunk = await inner.ReadAsync(timeout.Token).ConfigureAwait(false);
            PauseIdleTimer();
            return chunk;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || resources.CallerToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken.IsCancellationRequested ? cancellationToken : resources.CallerToken);
        }
        catch (OperationCanceledException ex)
        {
            throw new ModelRouterException(
                ModelRouterErrorKind.UpstreamTimeout,
                $"The vendor sent nothing for {idleTimeout.TotalSeconds:0.###} s; the answer is incomplete.",
                ex);
        }
        catch (Exception ex) when (DefaultModelRouter.IsUpstreamReadFailure(ex))
        {
            throw new ModelRouterException(ModelRouterErrorKind.StreamInterrupted, "The vendor's stream broke before it was complete; the answer is incomplete.", ex);
        }
    }

    // The idle timeout measures the vendor's silence only: while the caller holds a chunk (writing it to a slow
    // client, say), no read is pending and the clock must not run, or a healthy stream is cut at the next read.
    private void PauseIdleTimer() => resources.Timeout.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
