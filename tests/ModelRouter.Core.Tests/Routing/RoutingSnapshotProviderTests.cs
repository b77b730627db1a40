using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Storage;
using ModelRouter.Validation;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

public class RoutingSnapshotProviderTests
{
    private static ModelRouterConfig Invalid(ModelRouterConfig config)
        => config with { Llms = [config.Llms[0] with { BaseUrl = "nowhere" }, .. config.Llms.Skip(1)], Routers = [config.Routers[0] with { Slug = "Bad!" }, config.Routers[1]] };

    private static (RouterHarness Harness, RecordingListener Listener) Create(ModelRouterConfig config)
    {
        var listener = new RecordingListener();
        var h = RouterHarness.Create(config, services: s => s.AddSingleton<IRouterConfigChangeListener>(listener));
        return (h, listener);
    }

    [Test]
    public async Task InitializeAsync_ValidConfiguration_AppliesItAndTellsListeners()
    {
        var (h, listener) = Create(OnePool("a"));
        await using var scope = h;

        var snapshot = await h.Services.GetRequiredService<RoutingSnapshotProvider>().InitializeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Revision, Is.EqualTo("1"));
            Assert.That(snapshot.TryGetRouter("prod", out _), Is.True);
            Assert.That(listener.Applied.Select(c => c.Revision), Is.EqualTo(new[] { "1" }));
        });
    }

    [Test]
    public async Task InitializeAsync_InvalidConfiguration_ThrowsWithEveryError()
    {
        var (h, _) = Create(Invalid(OnePool("a")));
        await using var scope = h;
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();

        var ex = Assert.ThrowsAsync<ModelRouterConfigurationException>(() => provider.InitializeAsync())!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Errors, Has.Count.EqualTo(3));
            Assert.That(ex.Errors, Has.One.Contains("app 'team-a': router 'prod' is not configured"));
            Assert.That(ex.Errors, Has.One.Contains("llm 'a': baseUrl"));
            Assert.That(ex.Errors, Has.One.Contains("router 'Bad!': slug"));
            Assert.That(ex.Message, Does.Contain("llm 'a': baseUrl").And.Contain("router 'Bad!': slug"));
            Assert.That(provider.Current, Is.Null);
        });
    }

    [Test]
    public async Task HostedStartup_InvalidConfiguration_FailsTheStartWithEveryError()
    {
        var (h, _) = Create(Invalid(OnePool("a")));
        await using var scope = h;
        var startup = h.Services.GetServices<IHostedService>().OfType<ModelRouterStartup>().Single();

        var ex = Assert.ThrowsAsync<ModelRouterConfigurationException>(() => startup.StartAsync(CancellationToken.None))!;

        Assert.That(ex.Errors, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Update_ValidConfiguration_ChangesRouting()
    {
        var (h, listener) = Create(OnePool("a", "b"));
        await using var scope = h;
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false));
        await using (var before = await h.RouteAsync(Bodies.Chat("m")))
        {
            Assert.That(before.Llm, Is.EqualTo("a"));
        }

        h.Store.Update(OnePool("b"));
        await listener.WaitForAppliedAsync(count: 2);

        await using var after1 = await h.RouteAsync(Bodies.Chat("m"));
        await using var after2 = await h.RouteAsync(Bodies.Chat("m"));
        Assert.Multiple(() =>
        {
            Assert.That((after1.Llm, after2.Llm), Is.EqualTo(("b", "b")));
            Assert.That(h.Services.GetRequiredService<RoutingSnapshotProvider>().Current!.Revision, Is.EqualTo("2"));
        });
    }

    [Test]
    public async Task Update_InvalidConfiguration_KeepsTheLastGoodOneAndTellsListeners()
    {
        var (h, listener) = Create(OnePool("a"));
        await using var scope = h;
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();
        await provider.InitializeAsync();

        h.Store.Update(Invalid(OnePool("b")));
        var errors = await listener.WaitForRejectedAsync();

        await using var response = await h.RouteAsync(Bodies.Chat("m"));
        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Count.EqualTo(3));
            Assert.That(errors, Has.One.Contains("llm 'b': baseUrl"));
            Assert.That(response.Llm, Is.EqualTo("a"));
            Assert.That(provider.Current!.Revision, Is.EqualTo("1"));
            Assert.That(h.Logs.GetSnapshot(), Has.Some.Matches<Microsoft.Extensions.Logging.Testing.FakeLogRecord>(r => r.Message.Contains("rejected", StringComparison.Ordinal)));
        });
    }

    [Test]
    public async Task Update_ValidAfterInvalid_IsApplied()
    {
        var (h, listener) = Create(OnePool("a"));
        await using var scope = h;
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();
        await provider.InitializeAsync();

        h.Store.Update(Invalid(OnePool("a")));
        await listener.WaitForRejectedAsync();
        h.Store.Update(OnePool("c"));
        await listener.WaitForAppliedAsync(count: 2);

        Assert.That(provider.Current!.Config.Llms.Single().Id, Is.EqualTo("c"));
    }

    [Test]
    public async Task ReloadAsync_UnchangedRevision_DoesNotRecompile()
    {
        var (h, listener) = Create(OnePool("a"));
        await using var scope = h;
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();
        var first = await provider.InitializeAsync();

        var applied = await provider.ReloadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.False);
            Assert.That(provider.Current, Is.SameAs(first));
            Assert.That(listener.Applied, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task RouteAsync_RequestInFlightDuringReload_KeepsItsSnapshot()
    {
        var (h, listener) = Create(OnePool("a"));
        await using var scope = h;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async _ =>
        {
            entered.SetResult();
            await release.Task;
            return Bodies.Status(System.Net.HttpStatusCode.InternalServerError);
        });
        var config = OnePool("a", "b");
        await h.Services.GetRequiredService<RoutingSnapshotProvider>().InitializeAsync();

        var inFlight = h.RouteAsync(Bodies.Chat("m")).AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        h.Store.Update(config);
        await listener.WaitForAppliedAsync(count: 2);
        release.SetResult();

        // The old snapshot had only vendor a: no failover to b, which exists only in the new one.
        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await inFlight.WaitAsync(TimeSpan.FromSeconds(30)))!;
        Assert.That(ex.Attempts, Is.EqualTo(1));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task ReloadAsync_AfterAWriteTheStoreValidated_ValidatesNothingAgain()
    {
        var listener = new RecordingListener();
        await using var h = RouterHarness.Create(OnePool("a"), services: s => s
            .AddSingleton<IRouterConfigChangeListener>(listener)
            .AddSingleton<IModelRouterConfigValidator>(sp => new CountingValidator(ActivatorUtilities.CreateInstance<ModelRouterConfigValidator>(sp))));
        var validator = (CountingValidator)h.Services.GetRequiredService<IModelRouterConfigValidator>();
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();
        await provider.InitializeAsync();
        var router = (await h.Store.GetConfigAsync()).Routers[0] with { Description = "changed" };

        await h.Store.ApplyAsync(RouterStoreChange.ReplaceRouter("prod", router), validator);
        await listener.WaitForAppliedAsync(count: 2);

        Assert.Multiple(() =>
        {
            Assert.That(validator.Calls, Is.EqualTo(2), "the first load, then the write once");
            Assert.That(provider.Current!.Config.Routers[0].Description, Is.EqualTo("changed"));
        });
    }

    [Test]
    public async Task ReloadAsync_WriteValidatedByAnotherValidator_IsValidatedAndRefused()
    {
        var listener = new RecordingListener();
        await using var h = RouterHarness.Create(OnePool("a"), services: s => s.AddSingleton<IRouterConfigChangeListener>(listener));
        var provider = h.Services.GetRequiredService<RoutingSnapshotProvider>();
        var first = await provider.InitializeAsync();
        var router = first.Config.Routers[0] with { Slug = "prod", Name = "", Pools = [first.Config.Routers[0].Pools[0] with { Vendors = [Vendor("missing")] }] };

        await h.Store.ApplyAsync(RouterStoreChange.ReplaceRouter("prod", router), new CountingValidator(inner: null));
        var errors = await listener.WaitForRejectedAsync();

        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Some.Contains("missing"));
            Assert.That(provider.Current, Is.SameAs(first));
        });
    }

    /// <summary>Another validator's answers (without one, it accepts everything), counting the configurations it is asked to check.</summary>
    private sealed class CountingValidator(IModelRouterConfigValidator? inner) : IModelRouterConfigValidator
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public IReadOnlyList<string> Validate(ModelRouterConfig config)
        {
            Interlocked.Increment(ref _calls);
            return inner?.Validate(config) ?? [];
        }

        public IReadOnlyList<ModelRouterConfigError> ValidateFields(ModelRouterConfig config)
        {
            Interlocked.Increment(ref _calls);
            return inner?.ValidateFields(config) ?? [];
        }
    }

    private sealed class RecordingListener : IRouterConfigChangeListener
    {
        private readonly ConcurrentQueue<ModelRouterConfig> _applied = new();
        private readonly ConcurrentQueue<IReadOnlyList<string>> _rejected = new();
        private readonly SemaphoreSlim _signal = new(0);

        public IReadOnlyList<ModelRouterConfig> Applied => [.. _applied];

        public void ConfigurationApplied(ModelRouterConfig config)
        {
            _applied.Enqueue(config);
            _signal.Release();
        }

        public void ConfigurationRejected(IReadOnlyList<string> errors)
        {
            _rejected.Enqueue(errors);
            _signal.Release();
        }

        public async Task WaitForAppliedAsync(int count)
        {
            for (var i = 0; i < 100 && _applied.Count < count; i++)
            {
                await _signal.WaitAsync(TimeSpan.FromSeconds(1));
            }

            Assert.That(_applied, Has.Count.GreaterThanOrEqualTo(count), "the configuration was not applied");
        }

        public async Task<IReadOnlyList<string>> WaitForRejectedAsync()
        {
            for (var i = 0; i < 100 && _rejected.IsEmpty; i++)
            {
                await _signal.WaitAsync(TimeSpan.FromSeconds(1));
            }

            Assert.That(_rejected.TryPeek(out var errors), Is.True, "the configuration was not rejected");
            return errors!;
        }
    }
}
