using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ModelRouter.Health;

namespace ModelRouter.Diagnostics;

/// <summary>
/// The router's activity source, instruments and observer queue. <see cref="Start"/> gives a request its
/// <see cref="RequestTelemetry"/> only while someone listens (a trace listener, an enabled instrument or an observer):
/// otherwise the request path does no telemetry work at all.
/// </summary>
internal sealed class RouterTelemetry : ILlmHealthEvents, IAsyncDisposable, IDisposable
{
    /// <summary>The source of the <c>route</c> and <c>chat</c> spans.</summary>
    public static readonly ActivitySource Source = new(ModelRouterTelemetry.ActivitySourceName);

    // The GenAI semantic conventions' advice for operation durations, in seconds.
    private static readonly double[] s_durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly long[] s_tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly ObserverQueue? _observers;

    public RouterTelemetry(IEnumerable<IModelRouterObserver> observers, TimeProvider timeProvider, ILogger<RouterTelemetry> logger, IMeterFactory? meterFactory = null)
    {
        Time = timeProvider;
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(ModelRouterTelemetry.MeterName) ?? new Meter(ModelRouterTelemetry.MeterName);
        OperationDuration = _meter.CreateHistogram(
            TelemetryNames.OperationDuration, "s", "Duration of the chat operations sent to vendors (one per attempt).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        TokenUsage = _meter.CreateHistogram(
            TelemetryNames.TokenUsage, "{token}", "Tokens used by served requests, by gen_ai.token.type (input or output).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_tokenBuckets });
        TimeToFirstChunk = _meter.CreateHistogram(
            TelemetryNames.TimeToFirstChunk, "s", "Time from the request's start until the first event of a served stream was ready.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        Attempts = _meter.CreateCounter<long>(TelemetryNames.Attempts, "{attempt}", "Attempts at vendors, by outcome.");
        Failovers = _meter.CreateCounter<long>(TelemetryNames.Failovers, "{failover}", "Failed attempts after which the request went on to another vendor or ran out of them, by reason.");
        Cooldowns = _meter.CreateCounter<long>(TelemetryNames.Cooldowns, "{cooldown}", "LLMs that started cooling, by reason.");
        BreakerOpenings = _meter.CreateCounter<long>(TelemetryNames.BreakerOpenings, "{opening}", "Circuit breakers of LLMs that opened.");
        Refused = _meter.CreateCounter<long>(TelemetryNames.Refused, "{request}", "Requests answered with an error, by status.");
        ObserverDropped = _meter.CreateCounter<long>(TelemetryNames.ObserverDropped, "{record}", "Usage records dropped because the observers' queue was full.");
        var registered = observers.ToArray();
        _observers = registered.Length > 0 ? new ObserverQueue(registered, logger, () => ObserverDropped.Add(1)) : null;
    }

    public TimeProvider Time { get; }

    public Histogram<double> OperationDuration { get; }

    public Histogram<long> TokenUsage { get; }

    public Histogram<double> TimeToFirstChunk { get; }

    public Counter<long> Attempts { get; }

    public Counter<long> Failovers { get; }

    public Counter<long> Cooldowns { get; }

    public Counter<long> BreakerOpenings { get; }

    public Counter<long> Refused { get; }

    public Counter<long> ObserverDropped { get; }

    /// <summary>Gets the observers' queue, or <see langword="null"/> when none is registered.</summary>
    public ObserverQueue? Observers => _observers;

    /// <summary>Starts a request's telemetry, or returns <see langword="null"/> when nobody listens.</summary>
    public RequestTelemetry? Start()
        => _observers is not null || Source.HasListeners() || OperationDuration.Enabled || Attempts.Enabled || Refused.Enabled
            || TokenUsage.Enabled || TimeToFirstChunk.Enabled || Failovers.Enabled
            ? new RequestTelemetry(this)
            : null;

    /// <summary>Starts a request's telemetry even when nobody listens: its answer's tokens count against its app's limit.</summary>
    public RequestTelemetry StartCounting() => new(this);

    /// <summary>Hands a finished request's record to the observers, if any.</summary>
    public void Post(ModelRouterUsageRecord record) => _observers?.Post(record);

    void ILlmHealthEvents.CoolingStarted(string llmId, CooldownReason reason)
    {
        if (Cooldowns.Enabled)
        {
            Cooldowns.Add(1, new(TelemetryNames.Llm, llmId), new(TelemetryNames.CoolingReason, TelemetryNames.Word(reason)));
        }
    }

    void ILlmHealthEvents.BreakerOpened(string llmId)
    {
        if (BreakerOpenings.Enabled)
        {
            BreakerOpenings.Add(1, new KeyValuePair<string, object?>(TelemetryNames.Llm, llmId));
        }
    }

    public void Dispose()
    {
        _observers?.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_observers is not null)
        {
            await _observers.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
