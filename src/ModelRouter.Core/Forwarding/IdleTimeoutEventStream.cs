using System.Runtime.CompilerServices;
using ModelRouter.Health;
using ModelRouter.Upstream;

namespace ModelRouter.Forwarding;

/// <summary>
/// Bounds a stream by idle time between chunks (never by a total deadline), turns breaks into router errors, and reports
/// how the committed stream ended to the LLM's health: a clean end is a success, a break (cut, idle timeout, error event)
/// a failure the breaker counts.
/// </summary>
/// <remarks>
/// Disposing it while a read is in flight (a caller that stops waiting for the next chunk, say) cancels that read and waits
/// for it to end before the vendor's stream, and the buffer the read fills, are released.
/// </remarks>
internal sealed class IdleTimeoutEventStream(ChatEventReader inner, AttemptResources resources, TimeSpan idleTimeout, LlmHealth health) : ChatEventReader
{
    private int _reading;
    private TaskCompletionSource? _readEnded;
    private volatile bool _disposing;

    internal override (long InputTokens, long OutputTokens)? Usage => inner.Usage;

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
        Volatile.Write(ref _reading, 1);
        var timeout = resources.Timeout;
        using var registration = cancellationToken.CanBeCanceled && cancellationToken != resources.CallerToken
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout)
            : default;
        try
        {
            timeout.CancelAfter(idleTimeout);
            var chunk = await inner.ReadAsync(timeout.Token).ConfigureAwait(false);
            PauseIdleTimer();
            if (chunk.IsEmpty)
            {
                await health.CompleteAsync(isTrial: false, healthy: true, null, CooldownReason.None).ConfigureAwait(false);
            }

            return chunk;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || resources.CallerToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken.IsCancellationRequested ? cancellationToken : resources.CallerToken);
        }
        catch (Exception ex) when (_disposing)
        {
            throw new ObjectDisposedException("The answer was disposed while this read was in flight.", ex);
        }
        catch (OperationCanceledException ex)
        {
            await health.CompleteAsync(isTrial: false, healthy: false, null, CooldownReason.None).ConfigureAwait(false);
            throw new ModelRouterException(
                ModelRouterErrorKind.UpstreamTimeout,
                $"The vendor sent nothing for {idleTimeout.TotalSeconds:0.###} s; the answer is incomplete.",
                ex);
        }
        catch (Exception ex) when (AttemptFailure.IsVendorFault(ex))
        {
            await health.CompleteAsync(isTrial: false, healthy: false, null, CooldownReason.None).ConfigureAwait(false);
            throw new ModelRouterException(ModelRouterErrorKind.StreamInterrupted, "The vendor's stream broke before it was complete; the answer is incomplete.", ex);
        }
        finally
        {
            // A full fence between clearing the flag and looking for a waiting DisposeAsync, which publishes its signal
            // and then looks at the flag: one of the two always sees the other.
            Interlocked.Exchange(ref _reading, 0);
            Volatile.Read(ref _readEnded)?.TrySetResult();
        }
    }

    // The idle timeout measures the vendor's silence only: while the caller holds a chunk, no read is pending and the
    // clock must not run, or a healthy stream is cut at the next read. A read the caller starts before it has written
    // the previous chunk out (the endpoint does, to flush only when nothing more is in hand) runs the clock meanwhile,
    // but that read keeps draining the vendor, so only the vendor's own silence can run it out.
    private void PauseIdleTimer() => resources.Timeout.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);

    public override async ValueTask DisposeAsync()
    {
        _disposing = true;
        if (Volatile.Read(ref _reading) == 1)
        {
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _readEnded, ended);
            if (Volatile.Read(ref _reading) == 1)
            {
                resources.Timeout.Cancel();
                await ended.Task.ConfigureAwait(false);
            }
        }

        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
