using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using ModelRouter.Diagnostics;

namespace ModelRouter.IntegrationTests;

/// <summary>
/// Runs the whole integration suite with the router's spans and metrics listened to, every host logging at every level
/// and observing usage records (<see cref="SuiteWatch"/>), so that every scenario also goes through the telemetry path;
/// at the end it asserts that no tag of any span or measurement, no log and no usage record carried a key or text of a
/// conversation: exactly, every credential a request carried and every user message and reply the fake vendors saw; and
/// by shape in tags, where no key-like word (<c>sk-...</c>, <c>...-key-...</c>, <c>...secret...</c>, "hello") belongs.
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
        SuiteWatch.Start();
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
        SuiteWatch.Stop();
        var leaked = _values.Where(v => s_forbidden.IsMatch(v)).Distinct().ToList();
        var exact = SuiteWatch.Leaks(_values);
        Assert.Multiple(() =>
        {
            Assert.That(_spans, Is.GreaterThan(0), "the suite ran with spans on");
            Assert.That(SuiteWatch.Records, Is.GreaterThan(0), "the suite ran with usage records on");
            Assert.That(SuiteWatch.Written, Is.Not.Empty, "the suite ran with logs on");
            Assert.That(SuiteWatch.Credentials, Is.Not.Empty, "the suite's credentials were seen");
            Assert.That(SuiteWatch.Texts, Is.Not.Empty, "the suite's conversations were seen");
            Assert.That(leaked, Is.Empty, "tag values that look like keys or conversation text");
            Assert.That(exact, Is.Empty, "a credential or a conversation text in a tag, a log or a usage record");
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
