using System.Runtime.CompilerServices;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>The response and the timeout of one attempt, disposed together when the caller is done.</summary>
internal sealed class AttemptResources : IDisposable
{
    private readonly CancellationTokenRegistration _callerRegistration;

    public AttemptResources(TimeProvider timeProvider, CancellationToken callerToken)
    {
        TimeProvider = timeProvider;
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

    public TimeProvider TimeProvider { get; }

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
/// <remarks>
/// <para>
/// The idle timeout measures the vendor's silence only: while the caller holds a chunk no read is pending and the clock
/// does not run, or a healthy stream would be cut at the next read. A read the caller starts before it has written the
/// previous chunk out (the endpoint does, to flush only when nothing more is in hand) runs the clock meanwhile, but that
/// read keeps draining the vendor, so only the vendor's own silence can run it out.
/// </para>
/// <para>
/// One timer per stream, re-armed lazily: a read only notes when it started, and the timer, when it fires, cancels a
/// read that has waited the whole timeout or sleeps until the current read's deadline. A stream of many chunks thus
/// touches the shared timer queue about once per timeout instead of twice per chunk. With no read in flight the timer
/// stops, so an answer its caller forgot to dispose leaves nothing behind in the queue.
/// </para>
/// <para>
/// Disposing it while a read is in flight (a caller that stops waiting for the next chunk, say) cancels that read and
/// waits for it to end before the vendor's stream, and the buffer the read fills, are released.
/// </para>
/// </remarks>
internal sealed class IdleTimeoutEventStream(ChatEventReader inner, AttemptResources resources, TimeSpan idleTimeout) : ChatEventReader
{
    // A timer asked to wait less than this waits this long: a system timer rounds shorter waits to zero and would spin.
    private static readonly TimeSpan s_minimumWait = TimeSpan.FromMilliseconds(1);
    private int _reading;
    private long _readStarted;
    private int _timerArmed;
    private ITimer? _timer;
    private TaskCompletionSource? _readEnded;
    private volatile bool _disposing;

    /// <summary>Reads the first chunk under the timeout the attempt armed on its source, then stops that clock.</summary>
    /// <remarks>Failures pass through as the vendor's stream raised them: the caller still decides whether to fail over.</remarks>
    public ValueTask<ReadOnlyMemory<byte>> ReadFirstAsync()
    {
        var pending = inner.ReadAsync(resources.Timeout.Token);
        if (pending.IsCompletedSuccessfully)
        {
            var chunk = pending.Result;
            PauseAttemptTimeout();
            return new(chunk);
        }

        return AwaitFirstAsync(pending);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> AwaitFirstAsync(ValueTask<ReadOnlyMemory<byte>> pending)
    {
        var chunk = await pending.ConfigureAwait(false);
        PauseAttemptTimeout();
        return chunk;
    }

    /// <remarks>
    /// Not an async method: when the vendor's stream already holds the next chunk (events often arrive together), the
    /// chunk is returned with no state machine of ours; only a read that must wait goes on to <see cref="AwaitReadAsync"/>.
    /// </remarks>
    public override ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        var timeout = resources.Timeout;
        var registration = default(CancellationTokenRegistration);
        ValueTask<ReadOnlyMemory<byte>> pending;
        try
        {
            StartIdleClock();
            if (cancellationToken.CanBeCanceled && cancellationToken != resources.CallerToken)
            {
                registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeout);
            }

            pending = inner.ReadAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            // A reader that throws instead of returning a faulted task gets the same translation below.
            pending = ValueTask.FromException<ReadOnlyMemory<byte>>(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            var chunk = pending.Result;
            registration.Dispose();
            EndRead();
            return new(chunk);
        }

        return AwaitReadAsync(pending, registration, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> AwaitReadAsync(ValueTask<ReadOnlyMemory<byte>> pending, CancellationTokenRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.ConfigureAwait(false);
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
            throw new ModelRouterException(
                ModelRouterErrorKind.UpstreamTimeout,
                $"The vendor sent nothing for {idleTimeout.TotalSeconds:0.###} s; the answer is incomplete.",
                ex);
        }
        catch (Exception ex) when (DefaultModelRouter.IsUpstreamReadFailure(ex))
        {
            throw new ModelRouterException(ModelRouterErrorKind.StreamInterrupted, "The vendor's stream broke before it was complete; the answer is incomplete.", ex);
        }
        finally
        {
            registration.Dispose();
            EndRead();
        }
    }

    /// <summary>Marks a read in flight from now, and makes sure the timer runs.</summary>
    private void StartIdleClock()
    {
        Volatile.Write(ref _readStarted, resources.TimeProvider.GetTimestamp());

        // A full fence between raising the flag and looking at the timer, which the timer mirrors (it clears its armed
        // flag, then looks for a read): a read never waits on a timer that has just decided to stop.
        Interlocked.Exchange(ref _reading, 1);
        if (Volatile.Read(ref _timerArmed) == 0 && Interlocked.CompareExchange(ref _timerArmed, 1, 0) == 0)
        {
            // Created stopped and started once stored: the callback re-arms through the field.
            _timer ??= resources.TimeProvider.CreateTimer(static s => ((IdleTimeoutEventStream)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(idleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        if (_disposing)
        {
            return;
        }

        var wait = idleTimeout;
        if (Volatile.Read(ref _reading) == 1)
        {
            var waited = resources.TimeProvider.GetElapsedTime(Volatile.Read(ref _readStarted));
            if (waited >= idleTimeout)
            {
                try
                {
                    resources.Timeout.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The answer was disposed meanwhile; nothing is left to cancel.
                }

                return;
            }

            wait = idleTimeout - waited;
        }
        else
        {
            Interlocked.Exchange(ref _timerArmed, 0);
            if (Volatile.Read(ref _reading) == 0 || Interlocked.CompareExchange(ref _timerArmed, 1, 0) != 0)
            {
                return; // Stopped; the next read starts it again.
            }

            // A read started while the timer stopped, and did not see it stop: keep running for that read.
            wait = idleTimeout - resources.TimeProvider.GetElapsedTime(Volatile.Read(ref _readStarted));
        }

        _timer?.Change(wait > s_minimumWait ? wait : s_minimumWait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Clears the in-flight flag and wakes a <see cref="DisposeAsync"/> that waits for this read.</summary>
    private void EndRead()
    {
        // A full fence between clearing the flag and looking for a waiting DisposeAsync, which publishes its signal
        // and then looks at the flag: one of the two always sees the other.
        Interlocked.Exchange(ref _reading, 0);
        Volatile.Read(ref _readEnded)?.TrySetResult();
    }

    // The attempt armed its source with the idle timeout for the first chunk; from the second on, the stream's own
    // timer measures the silence.
    private void PauseAttemptTimeout() => resources.Timeout.CancelAfter(Timeout.InfiniteTimeSpan);

    public override async ValueTask DisposeAsync()
    {
        _disposing = true;
        _timer?.Dispose();
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
