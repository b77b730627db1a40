using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Storage;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>
/// A store that does not answer at start: the host starts anyway, requests get 503 with <c>Retry-After</c>, the health
/// check is unhealthy, and the store is tried again with backoff (one warning per failed try) until it answers.
/// </summary>
public class ModelRouterStartupTests
{
    private const string Password = "store-password-5e1b";

    [Test]
    public async Task StartAsync_StoreUnavailable_StartsAnswers503AndRetriesWithBackoffUntilItAnswers()
    {
        var store = new FlakyStore(OnePool("a"), failures: 4);
        await using var h = Harness.Create(store);

        await h.Startup.StartAsync(CancellationToken.None);

        Assert.That(store.Calls, Is.EqualTo(1), "one try before the host goes on");
        var refused = await RouteFailsAsync(h);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.StoreUnavailable));
            Assert.That(refused.StatusCode, Is.EqualTo(503));
            Assert.That((refused.ErrorType, refused.ErrorCode), Is.EqualTo(("service_unavailable_error", "store_unavailable")));
            Assert.That(refused.RetryAfter, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.LessThanOrEqualTo(TimeSpan.FromSeconds(8)));
            Assert.That(refused.Message, Does.Not.Contain(Password).And.Not.Contain("127.0.0.1"));
        });
        Assert.That(store.Calls, Is.EqualTo(1), "a request does not try the store itself while the start-up retries it");
        var unhealthy = await h.CheckHealthAsync();
        Assert.That(unhealthy.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(unhealthy.Description, Does.Contain("flaky").And.Not.Contain(Password));

        await h.AdvanceUntilAsync(() => store.Calls == 5);
        await h.AdvanceUntilAsync(() => h.Provider.Current is not null);

        var healthy = await h.CheckHealthAsync();
        var warnings = h.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        var delays = warnings.Select(w => double.Parse(w.StructuredState!.Single(p => p.Key == "RetryDelaySeconds").Value!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(healthy.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(warnings, Has.Count.EqualTo(4), "one warning per failed try");
            Assert.That(warnings.Select(w => w.Message), Has.All.Contains("flaky").And.All.Contains("connection refused").And.None.Contains(Password));
            Assert.That(warnings.Select((w, i) => w.Message.Contains($"try {i + 1} failed", StringComparison.Ordinal)), Has.All.True);
            Assert.That(delays, Has.All.GreaterThan(0).And.All.LessThanOrEqualTo(8), "waits are capped by storeRetryMaxDelaySeconds");
        });
    }

    [Test]
    public async Task StartAsync_InvalidConfigurationOnceTheStoreAnswers_StopsTheHost()
    {
        var invalid = OnePool("a") with { Routers = [new RouterConfig { Slug = "Bad!" }] };
        var store = new FlakyStore(invalid, failures: 1);
        var lifetime = new RecordingLifetime();
        await using var h = Harness.Create(store, services => services.AddSingleton<IHostApplicationLifetime>(lifetime));

        await h.Startup.StartAsync(CancellationToken.None);
        await h.AdvanceUntilAsync(() => lifetime.StopRequested);

        Assert.Multiple(() =>
        {
            Assert.That(h.Provider.Current, Is.Null);
            Assert.That(h.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Critical).Select(r => r.Exception), Has.One.InstanceOf<ModelRouterConfigurationException>());
        });
    }

    [Test]
    public async Task StopAsync_WhileWaitingForTheStore_EndsTheRetries()
    {
        var store = new FlakyStore(OnePool("a"), failures: int.MaxValue);
        await using var h = Harness.Create(store);
        await h.Startup.StartAsync(CancellationToken.None);

        await h.Startup.StopAsync(CancellationToken.None);
        var calls = store.Calls;
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50);

        Assert.That(store.Calls, Is.EqualTo(calls));
    }

    [Test]
    public async Task RouteAsync_WithoutTheHostedStartAndStoreUnavailable_Answers503()
    {
        var store = new FlakyStore(OnePool("a"), failures: 1);
        await using var h = Harness.Create(store);

        var refused = await RouteFailsAsync(h);

        Assert.Multiple(() =>
        {
            Assert.That(refused.Kind, Is.EqualTo(ModelRouterErrorKind.StoreUnavailable));
            Assert.That(refused.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    private static async Task<ModelRouterException> RouteFailsAsync(Harness h)
    {
        try
        {
            await using var response = await h.Services.GetRequiredService<IModelRouter>().RouteAsync(
                new ModelRouterRequest("prod", System.Text.Encoding.UTF8.GetBytes("""{"model":"m","messages":[]}""")) { AppKey = AppKey });
        }
        catch (ModelRouterException ex)
        {
            return ex;
        }

        Assert.Fail("The request was expected to fail.");
        throw new InvalidOperationException("unreachable");
    }

    private sealed class Harness : IAsyncDisposable
    {
        private Harness(ServiceProvider services, FakeTimeProvider time)
        {
            Services = services;
            Time = time;
        }

        public ServiceProvider Services { get; }

        public FakeTimeProvider Time { get; }

        public ModelRouterStartup Startup => Services.GetServices<IHostedService>().OfType<ModelRouterStartup>().Single();

        public RoutingSnapshotProvider Provider => Services.GetRequiredService<RoutingSnapshotProvider>();

        public FakeLogCollector Logs => Services.GetFakeLogCollector();

        public static Harness Create(IRouterStore store, Action<IServiceCollection>? configure = null)
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddFakeLogging();
            services.AddModelRouter(o =>
            {
                o.StoreRetryDelaySeconds = 2;
                o.StoreRetryMaxDelaySeconds = 8;
            }).UseStore(store);
            configure?.Invoke(services);
            return new Harness(services.BuildServiceProvider(), time);
        }

        public async Task<HealthReportEntry> CheckHealthAsync()
            => (await Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["modelrouter"];

        /// <summary>Moves the fake clock on in steps until <paramref name="condition"/> holds; bounded.</summary>
        public async Task AdvanceUntilAsync(Func<bool> condition)
        {
            for (var i = 0; i < 500 && !condition(); i++)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(5);
            }

            Assert.That(condition(), Is.True, "the condition did not hold within 500 simulated seconds");
        }

        public async ValueTask DisposeAsync()
        {
            await Startup.StopAsync(CancellationToken.None);
            await Services.DisposeAsync();
        }
    }

    /// <summary>Refuses the first <c>failures</c> reads as a database that is down would, then serves <c>config</c>.</summary>
    private sealed class FlakyStore(ModelRouterConfig config, int failures) : IRouterStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default)
            => Interlocked.Increment(ref _calls) <= failures
                ? ValueTask.FromException<ModelRouterConfig>(new RouterStoreUnavailableException("flaky", "connection refused", new TimeoutException($"Password={Password}")))
                : new(config with { Revision = "1" });

        public IChangeToken GetChangeToken() => new CancellationChangeToken(CancellationToken.None);
    }

    private sealed class RecordingLifetime : IHostApplicationLifetime
    {
        private int _stopped;

        public bool StopRequested => Volatile.Read(ref _stopped) > 0;

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Interlocked.Increment(ref _stopped);
    }
}
