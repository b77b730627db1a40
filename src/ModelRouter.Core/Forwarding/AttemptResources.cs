namespace ModelRouter.Forwarding;

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
