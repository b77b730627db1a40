using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using ModelRouter.Diagnostics;

namespace ModelRouter.IntegrationTests;

/// <summary>
/// Runs the whole integration suite with the router's spans and metrics listened to (so that every scenario also goes
/// through the telemetry path) and, at the end, asserts that no tag of any span or measurement carried a key, a bearer
/// token or text of a conversation. The suite's keys all look like keys (<c>sk-...</c>, <c>...-key-...</c>,
/// <c>...secret...</c>) and its conversations say "Hello" or "hi"; no router, pool, LLM or app name does.
/// </summary>
[SetUpFixture]
public sealed class TelemetryListenersOn
{
    private static readonly Regex s_forbidden = new("sk-|key|secret|bearer|hello", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private readonly ConcurrentQueue<string> _values = new();
    private ActivityListener? _activities;
    private MeterListener? _meters;
    private int _spans;

    [OneTimeSetUp]
    public void Listen()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ModelRouterTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                Interlocked.Increment(ref _spans);
                _values.Enqueue(activity.DisplayName);
                foreach (var tag in activity.TagObjects)
                {
                    _values.Enqueue($"{tag.Key}={tag.Value}");
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ModelRouterTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((_, _, tags, _) => Keep(tags));
        _meters.SetMeasurementEventCallback<double>((_, _, tags, _) => Keep(tags));
        _meters.Start();
    }

    [OneTimeTearDown]
    public void AssertNothingSecretWasTagged()
    {
        _activities?.Dispose();
        _meters?.Dispose();
        var leaked = _values.Where(v => s_forbidden.IsMatch(v)).Distinct().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(_spans, Is.GreaterThan(0), "the suite ran with spans on");
            Assert.That(leaked, Is.Empty, "tag values that look like keys or conversation text");
        });
    }

    private void Keep(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            _values.Enqueue($"{tag.Key}={tag.Value}");
        }
    }
}
