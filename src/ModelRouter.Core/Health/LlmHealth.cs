using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace ModelRouter.Health;

/// <summary>
/// The health of one LLM, shared by every pool that uses it and kept across reloads while the LLM is unchanged.
/// Two mechanisms, as the failover contract describes them: a cooldown a vendor asks for (<c>Retry-After</c>) or earns
/// (rejected credentials), ending in a half-open trial; and a Polly circuit breaker that opens after consecutive failures.
/// </summary>
/// <remarks>Thread-safe. Cooldown state is guarded by a lock held for a few instructions.</remarks>
internal sealed class LlmHealth
{
    /// <summary>
    /// How often, per sampling duration, a success is reported to a closed breaker: twice per bucket of the breaker's
    /// rolling window, which counts in tenths of the sampling duration.
    /// </summary>
    private const int SuccessReportsPerSamplingDuration = 20;

    private const long NeverReported = long.MinValue;

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILlmHealthEvents? _events;
    private readonly TimeSpan _successReportInterval;
    private readonly CircuitBreakerStateProvider _breakerState = new();
    private readonly RecentCounts _failures = new();
    private DateTimeOffset _coolingUntil;
    private CooldownReason _reason;
    private bool _trialInFlight;
    private long _breakerOpenUntilTicks;
    private long _lastSuccessReport = NeverReported;

    /// <param name="llmId">The LLM's id: the breaker pipeline's instance name in Polly's telemetry.</param>
    /// <param name="settings">Thresholds and durations.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="events">Who hears of cooldowns and breaker openings (the router's telemetry).</param>
    /// <param name="loggerFactory">
    /// The host's logger factory: with it, Polly's own telemetry of the breaker (its resilience events, logged and counted on
    /// Polly's meter, <c>Polly</c>) is on.
    /// </param>
    public LlmHealth(string llmId, LlmHealthSettings settings, TimeProvider timeProvider, ILlmHealthEvents? events = null, ILoggerFactory? loggerFactory = null)
    {
        LlmId = llmId;
        Settings = settings;
        _timeProvider = timeProvider;
        _events = events;
        _successReportInterval = settings.BreakerSamplingDuration / SuccessReportsPerSamplingDuration;
        var breaker = new ResiliencePipelineBuilder<bool> { Name = "ModelRouter.Vendor", InstanceName = llmId, TimeProvider = timeProvider };
        if (loggerFactory is not null)
        {
            breaker.ConfigureTelemetry(loggerFactory);
        }

        Breaker = breaker
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<bool>
            {
                // Open only when every outcome in the window failed, and there were at least FailureThreshold of them.
                FailureRatio = 1.0,
                MinimumThroughput = settings.FailureThreshold,
                SamplingDuration = settings.BreakerSamplingDuration,
                BreakDuration = settings.Cooldown,
                StateProvider = _breakerState,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome is { Exception: null, Result: false }),
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref _breakerOpenUntilTicks, (_timeProvider.GetUtcNow() + args.BreakDuration).UtcTicks);
                    events?.BreakerOpened(llmId);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string LlmId { get; }

    public LlmHealthSettings Settings { get; }

    /// <summary>
    /// Gets the Polly circuit breaker that counts this LLM's outcomes. Attempts are reported to it after they end
    /// (<see cref="CompleteAsync"/>), so that a cancelled attempt is reported as nothing rather than as a success; plain
    /// successes reach it at most once per twentieth of its sampling duration.
    /// </summary>
    public ResiliencePipeline<bool> Breaker { get; }

    /// <summary>Tells whether the vendor is cooling now, and until when.</summary>
    public bool IsCooling(DateTimeOffset now, out DateTimeOffset until, out CooldownReason reason)
    {
        lock (_gate)
        {
            if (_coolingUntil > now)
            {
                until = _coolingUntil;
                reason = _reason;
                return true;
            }

            if (_trialInFlight)
            {
                // Someone else's half-open trial decides; until it does, the vendor stays out.
                until = now + TimeSpan.FromSeconds(1);
                reason = _reason == CooldownReason.None ? CooldownReason.CircuitOpen : _reason;
                return true;
            }
        }

        if (_breakerState.CircuitState is CircuitState.Open or CircuitState.Isolated)
        {
            var openUntil = BreakerOpenUntil;
            if (openUntil > now || _breakerState.CircuitState == CircuitState.Isolated)
            {
                until = openUntil > now ? openUntil : now + Settings.Cooldown;
                reason = CooldownReason.CircuitOpen;
                return true;
            }
        }

        until = default;
        reason = CooldownReason.None;
        return false;
    }

    /// <summary>Admits an attempt unless the vendor is cooling; after a cooldown or an open breaker, admits exactly one trial.</summary>
    public bool TryEnter(DateTimeOffset now, out bool isTrial)
    {
        isTrial = false;
        var breaker = _breakerState.CircuitState;
        lock (_gate)
        {
            if (_trialInFlight || _coolingUntil > now || breaker == CircuitState.Isolated)
            {
                return false;
            }

            var breakerWantsTrial = breaker is CircuitState.Open or CircuitState.HalfOpen;
            if (breaker == CircuitState.Open && BreakerOpenUntil > now)
            {
                return false;
            }

            if (_reason == CooldownReason.None && !breakerWantsTrial)
            {
                return true;
            }

            _trialInFlight = true;
            isTrial = true;
            return true;
        }
    }

    /// <summary>Records how an admitted attempt ended, and reports it to the circuit breaker.</summary>
    /// <param name="isTrial">Whether the attempt was the half-open trial.</param>
    /// <param name="healthy">Whether the vendor answered (a 2xx, or a 4xx that is the request's fault).</param>
    /// <param name="cooldown">A cooldown the vendor asked for or earned, already capped; <see langword="null"/> for none.</param>
    /// <param name="reason">Why it cools.</param>
    /// <remarks>
    /// Failures and trials are always reported; a plain success reaches the breaker at most once per twentieth of the
    /// sampling duration, not on every request. A closed breaker opens only when every outcome in its window failed (a
    /// failure ratio of 1.0), so what a success changes is whether the window holds one, never how many it holds; an open
    /// breaker ignores outcomes, and a half-open one is decided by its trial. On the hot path this saves a pipeline
    /// execution per request.
    /// </remarks>
    public ValueTask CompleteAsync(bool isTrial, bool healthy, TimeSpan? cooldown, CooldownReason reason)
        => healthy && !isTrial && cooldown is null && !ClaimSuccessReport()
            ? ValueTask.CompletedTask
            : ReportAsync(isTrial, healthy, cooldown, reason);

    /// <summary>Tells whether this success is the one to report: none was reported within the last twentieth of the window.</summary>
    private bool ClaimSuccessReport()
    {
        var now = _timeProvider.GetTimestamp();
        var last = Volatile.Read(ref _lastSuccessReport);
        if (last != NeverReported && _timeProvider.GetElapsedTime(last, now) < _successReportInterval)
        {
            return false;
        }

        // Of the requests that find the last report too old, one reports; the others' successes are the same news.
        return Interlocked.CompareExchange(ref _lastSuccessReport, now, last) == last;
    }

    private async ValueTask ReportAsync(bool isTrial, bool healthy, TimeSpan? cooldown, CooldownReason reason)
    {
        if (!healthy)
        {
            _failures.Add(_timeProvider.GetUtcNow(), 1);
        }

        // Report first: a failed breaker trial re-opens the breaker before the trial slot is released.
        try
        {
            await Breaker.ExecuteAsync(static (outcome, _) => ValueTask.FromResult(outcome), healthy, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            // Opened by a concurrent report; this outcome changes nothing.
        }

        if (!isTrial && cooldown is null)
        {
            // Nothing to record beyond the breaker (the common case, a success): no clock read, no lock.
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var started = false;
        lock (_gate)
        {
            if (isTrial)
            {
                _trialInFlight = false;
                if (healthy)
                {
                    _reason = CooldownReason.None;
                    _coolingUntil = default;
                    return;
                }

                if (_reason != CooldownReason.None)
                {
                    // A failed cooldown trial cools again, for as long as asked or the default.
                    cooldown ??= Settings.Cooldown;
                    reason = reason == CooldownReason.None ? _reason : reason;
                }
            }

            if (cooldown is { } wait && reason != CooldownReason.None)
            {
                // Re-cooling keeps the later deadline.
                started = _coolingUntil <= now;
                var until = now + wait;
                if (until > _coolingUntil)
                {
                    _coolingUntil = until;
                }

                _reason = reason;
            }
        }

        if (started)
        {
            _events?.CoolingStarted(LlmId, reason);
        }
    }

    /// <summary>Releases a trial that ended without a verdict (the client cancelled): nothing is counted or reported.</summary>
    public void Abandon(bool isTrial)
    {
        if (!isTrial)
        {
            return;
        }

        lock (_gate)
        {
            _trialInFlight = false;
        }
    }

    /// <summary>Reads the state at <paramref name="now"/> for people (the admin API, explain, health checks); changes nothing.</summary>
    public LlmHealthView Describe(DateTimeOffset now)
    {
        var breaker = _breakerState.CircuitState;
        var openUntil = BreakerOpenUntil;
        DateTimeOffset? coolingUntil;
        CooldownReason reason;
        bool trialInFlight;
        lock (_gate)
        {
            coolingUntil = _coolingUntil > now ? _coolingUntil : null;
            reason = _reason;
            trialInFlight = _trialInFlight;
        }

        var breakerWaits = breaker == CircuitState.Open && openUntil > now;
        var trialDue = !trialInFlight && coolingUntil is null && !breakerWaits && breaker != CircuitState.Isolated
            && (reason != CooldownReason.None || breaker is CircuitState.Open or CircuitState.HalfOpen);
        long failures = 0;
        foreach (var minute in _failures.Read(now))
        {
            failures += minute.First;
        }

        return new LlmHealthView(coolingUntil, reason, trialInFlight, trialDue, breaker, breaker == CircuitState.Open ? openUntil : null, failures);
    }

    private DateTimeOffset BreakerOpenUntil => new(Interlocked.Read(ref _breakerOpenUntilTicks), TimeSpan.Zero);
}
