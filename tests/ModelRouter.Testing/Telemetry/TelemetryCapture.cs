using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelRouter.Diagnostics;

namespace ModelRouter.Testing;

/// <summary>
/// Listens to the router's spans and metrics for one test: the spans of the traces started under this capture's own
/// parent activity (so that other tests' spans do not mix in), and every instrument of the router's meter in one provider.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly Activity _parent;
    private readonly Activity? _previous;
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly Dictionary<string, IDisposable> _collectors = new(StringComparer.Ordinal);
    private readonly IMeterFactory _meters;

    /// <summary>Starts listening; the caller's current activity becomes this capture's parent until it is disposed.</summary>
    public TelemetryCapture(IServiceProvider services)
    {
        _previous = Activity.Current;
        _parent = new Activity("test").Start();
        var traceId = _parent.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ModelRouterTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
        _meters = services.GetRequiredService<IMeterFactory>();
        foreach (var name in LongInstruments)
        {
            _collectors[name] = new MetricCollector<long>(_meters, ModelRouterTelemetry.MeterName, name);
        }

        foreach (var name in DoubleInstruments)
        {
            _collectors[name] = new MetricCollector<double>(_meters, ModelRouterTelemetry.MeterName, name);
        }
    }

    public static IReadOnlyList<string> LongInstruments { get; } =
    [
        "gen_ai.client.token.usage", "model_router.attempts", "model_router.failovers", "model_router.llm.cooldowns",
        "model_router.llm.breaker_openings", "model_router.requests.refused", "model_router.observer.dropped",
    ];

    public static IReadOnlyList<string> DoubleInstruments { get; } = ["gen_ai.client.operation.duration", "gen_ai.client.operation.time_to_first_chunk"];

    /// <summary>Gets the router's spans that have ended, in the order they ended.</summary>
    public IReadOnlyList<Activity> Activities => [.. _stopped];

    /// <summary>Gets the one <c>route</c> span that ended.</summary>
    public Activity Route => Activities.Single(a => a.OperationName == "route");

    /// <summary>Gets the <c>chat</c> spans of the attempts, in order.</summary>
    public IReadOnlyList<Activity> Attempts => [.. Activities.Where(a => a.OperationName != "route")];

    /// <summary>Gets the measurements of a counter or histogram of whole numbers.</summary>
    public IReadOnlyList<CollectedMeasurement<long>> Longs(string instrument) => ((MetricCollector<long>)_collectors[instrument]).GetMeasurementSnapshot();

    /// <summary>Gets the measurements of a histogram of seconds.</summary>
    public IReadOnlyList<CollectedMeasurement<double>> Doubles(string instrument) => ((MetricCollector<double>)_collectors[instrument]).GetMeasurementSnapshot();

    /// <summary>Gets every tag value of every span and measurement seen, as text.</summary>
    public IEnumerable<string> AllTagValues()
    {
        foreach (var activity in Activities)
        {
            yield return activity.DisplayName;
            foreach (var tag in activity.TagObjects)
            {
                yield return $"{tag.Key}={tag.Value}";
            }
        }

        foreach (var name in LongInstruments)
        {
            foreach (var m in Longs(name))
            {
                foreach (var tag in m.Tags)
                {
                    yield return $"{tag.Key}={tag.Value}";
                }
            }
        }

        foreach (var name in DoubleInstruments)
        {
            foreach (var m in Doubles(name))
            {
                foreach (var tag in m.Tags)
                {
                    yield return $"{tag.Key}={tag.Value}";
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var collector in _collectors.Values)
        {
            collector.Dispose();
        }

        _listener.Dispose();
        _parent.Stop();
        Activity.Current = _previous;
    }
}

/// <summary>Tags of a span or a measurement as a dictionary.</summary>
internal static class TagExtensions
{
    public static IReadOnlyDictionary<string, object?> TagMap(this Activity activity) => activity.TagObjects.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, object?> TagMap<T>(this CollectedMeasurement<T> measurement)
        where T : struct => measurement.Tags;
}
