using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelRouter.Configuration;
using ModelRouter.Routing;

namespace ModelRouter.Tests.Storage;

/// <summary>
/// A configuration reload that would drop every router and app (the section renamed, or cut down to its settings) is
/// refused like an invalid one, unless <c>allowEmpty</c> says the emptying is meant.
/// </summary>
public class ConfigurationRouterStoreReloadTests
{
    private static Dictionary<string, string?> Full() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["ModelRouter:adminApiKey"] = "admin-key-0001",
        ["ModelRouter:store:kind"] = "configuration",
        ["ModelRouter:llms:0:id"] = "a",
        ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:5101/a/v1",
        ["ModelRouter:routers:0:slug"] = "prod",
        ["ModelRouter:routers:0:pools:0:name"] = "all",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        ["ModelRouter:apps:0:name"] = "team-a",
        ["ModelRouter:apps:0:apiKey"] = "app-key-0001",
        ["ModelRouter:apps:0:routers:0"] = "prod",
    };

    private static Dictionary<string, string?> Renamed() => new(
        Full().Select(p => KeyValuePair.Create(p.Key.Replace("ModelRouter:", "ModelRouterOld:", StringComparison.Ordinal), p.Value)),
        StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, string?> SettingsOnly(bool allowEmpty = false)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ModelRouter:adminApiKey"] = "admin-key-0001",
            ["ModelRouter:store:kind"] = "configuration",
        };
        if (allowEmpty)
        {
            values["ModelRouter:allowEmpty"] = "true";
        }

        return values;
    }

    [TestCase("renamed")]
    [TestCase("settings only")]
    public async Task ReloadAsync_EveryRouterAndAppDropped_IsRefusedAndTheLastGoodOneServes(string change)
    {
        await using var h = await Harness.StartAsync();

        h.Source.Replace(change == "renamed" ? Renamed() : SettingsOnly());
        var applied = await h.Provider.ReloadAsync();

        var warnings = h.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.False);
            Assert.That(h.Provider.Current!.TryGetRouter("prod", out _), Is.True, "the last good configuration stays in use");
            Assert.That(h.Provider.Current!.Apps.Find("app-key-0001"), Is.Not.Null);
            Assert.That(h.Rejected, Has.Count.EqualTo(1), "listeners hear of the refusal");
            Assert.That(h.Rejected.Single(), Has.One.Contains("allowEmpty"));
            Assert.That(warnings, Has.Count.EqualTo(1));
            Assert.That(warnings.Single().Message, Does.Contain("1 routers").And.Contain("1 apps").And.Contain("allowEmpty"));
        });
    }

    [Test]
    public async Task ReloadAsync_DroppedThenRestored_AppliesTheRestoredOne()
    {
        await using var h = await Harness.StartAsync();
        h.Source.Replace(SettingsOnly());
        await h.Provider.ReloadAsync();

        var restored = Full();
        restored["ModelRouter:routers:0:slug"] = "prod2";
        restored["ModelRouter:apps:0:routers:0"] = "prod2";
        h.Source.Replace(restored);
        var applied = await h.Provider.ReloadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.True);
            Assert.That(h.Provider.Current!.TryGetRouter("prod2", out _), Is.True);
        });
    }

    [Test]
    public async Task ReloadAsync_EmptiedWithAllowEmpty_IsApplied()
    {
        await using var h = await Harness.StartAsync();

        h.Source.Replace(SettingsOnly(allowEmpty: true));
        var applied = await h.Provider.ReloadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.True);
            Assert.That(h.Provider.Current!.Config.Routers, Is.Empty);
            Assert.That(h.Provider.Current!.Config.Apps, Is.Empty);
            Assert.That(h.Rejected, Is.Empty);
        });
    }

    [Test]
    public async Task ReloadAsync_OneRouterLeft_IsApplied()
    {
        await using var h = await Harness.StartAsync();
        var values = Full();
        values.Remove("ModelRouter:apps:0:name");
        values.Remove("ModelRouter:apps:0:apiKey");
        values.Remove("ModelRouter:apps:0:routers:0");

        h.Source.Replace(values);
        var applied = await h.Provider.ReloadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(applied, Is.True, "only a change that leaves neither routers nor apps is refused");
            Assert.That(h.Provider.Current!.Config.Apps, Is.Empty);
        });
    }

    [Test]
    public async Task InitializeAsync_EmptyAtStart_IsApplied()
    {
        var source = new SwappableConfigurationSource(SettingsOnly());
        var services = new ServiceCollection();
        services.AddModelRouter(new ConfigurationBuilder().Add(source).Build().GetSection("ModelRouter"));
        await using var provider = services.BuildServiceProvider();

        var snapshot = await provider.GetRequiredService<RoutingSnapshotProvider>().InitializeAsync();

        Assert.That(snapshot.Config.Routers, Is.Empty, "nothing is dropped at start: there is nothing to keep");
    }

    private sealed class Harness : IAsyncDisposable, IRouterConfigChangeListener
    {
        private readonly ServiceProvider _services;
        private readonly List<IReadOnlyList<string>> _rejected = [];

        private Harness()
        {
            Source = new SwappableConfigurationSource(Full());
            var collection = new ServiceCollection();
            collection.AddFakeLogging();
            collection.AddSingleton<IRouterConfigChangeListener>(this);
            collection.AddModelRouter(new ConfigurationBuilder().Add(Source).Build().GetSection("ModelRouter"));
            _services = collection.BuildServiceProvider();
        }

        public SwappableConfigurationSource Source { get; }

        public RoutingSnapshotProvider Provider => _services.GetRequiredService<RoutingSnapshotProvider>();

        public FakeLogCollector Logs => _services.GetFakeLogCollector();

        public IReadOnlyList<IReadOnlyList<string>> Rejected
        {
            get
            {
                lock (_rejected)
                {
                    return [.. _rejected];
                }
            }
        }

        public static async Task<Harness> StartAsync()
        {
            var harness = new Harness();
            await harness.Provider.InitializeAsync();
            harness.Logs.Clear();
            return harness;
        }

        public void ConfigurationApplied(ModelRouterConfig config)
        {
        }

        public void ConfigurationRejected(IReadOnlyList<string> errors)
        {
            lock (_rejected)
            {
                _rejected.Add(errors);
            }
        }

        public ValueTask DisposeAsync() => _services.DisposeAsync();
    }

    /// <summary>A configuration source whose whole content can be replaced, as a rewritten file is; the test calls the reload itself.</summary>
    internal sealed class SwappableConfigurationSource(Dictionary<string, string?> initial) : ConfigurationProvider, IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

        public void Replace(Dictionary<string, string?> values) => Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
    }
}
