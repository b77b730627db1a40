using System.Diagnostics;
using System.Diagnostics.Metrics;
using ModelRouter.Diagnostics;

// ModelRouter as a host app embeds it: AddModelRouter from configuration, MapModelRouter. One router, app keys
// required; see appsettings.json. The fake vendor's address comes from --ModelRouter:llms:0:baseUrl.
// MODELROUTER_LISTEN=1 attaches what an OpenTelemetry SDK would: a span listener sampling every route and chat span with
// all data, and a meter listener recording every measurement of the router's instruments (see Listeners below).
using var listeners = Environment.GetEnvironmentVariable("MODELROUTER_LISTEN") == "1" ? new Listeners() : null;
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"));
var app = builder.Build();
app.MapModelRouter();
app.Run();

/// <summary>
/// Listens to everything the router reports, as a collecting exporter would, without exporting: every span is sampled
/// with all data and its tags read when it ends; every measurement of every ModelRouter instrument is read with its tags.
/// </summary>
internal sealed class Listeners : IDisposable
{
    private readonly ActivityListener _spans;
    private readonly MeterListener _meters;
    private long _seen;

    public Listeners()
    {
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ModelRouterTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var tag in activity.TagObjects)
                {
                    Keep(tag);
                }
            },
        };
        ActivitySource.AddActivityListener(_spans);
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
        _meters.SetMeasurementEventCallback<int>((_, _, tags, _) => Keep(tags));
        _meters.SetMeasurementEventCallback<double>((_, _, tags, _) => Keep(tags));
        _meters.Start();
    }

    public void Dispose()
    {
        _spans.Dispose();
        _meters.Dispose();
        Console.WriteLine($"Listeners read {Interlocked.Read(ref _seen)} tags.");
    }

    private void Keep(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            Keep(tag);
        }
    }

    private void Keep(KeyValuePair<string, object?> tag)
    {
        if (tag.Value is not null)
        {
            Interlocked.Increment(ref _seen);
        }
    }
}
