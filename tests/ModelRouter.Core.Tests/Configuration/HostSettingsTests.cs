using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelRouter.Routing;
using ModelRouter.Storage;

namespace ModelRouter.Tests.Configuration;

/// <summary>Host settings (failureThreshold, limits...) are checked like routers: at start together with them, and on every reload.</summary>
public sealed class HostSettingsTests
{
    private static Dictionary<string, string?> ValidSection() => new()
    {
        ["ModelRouter:llms:0:id"] = "a",
        ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:5101/a/v1",
        ["ModelRouter:llms:0:apiKey"] = "sk-a-secret-value",
        ["ModelRouter:routers:0:slug"] = "prod",
        ["ModelRouter:routers:0:pools:0:name"] = "all",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        ["ModelRouter:apps:0:name"] = "team",
        ["ModelRouter:apps:0:apiKey"] = "app-key-0001",
        ["ModelRouter:apps:0:routers:0"] = "*",
    };

    [Test]
    public async Task Start_InvalidSettingsAndInvalidRouter_ReportsEveryProblemInOneList()
    {
        var values = ValidSection();
        values["ModelRouter:failureThreshold"] = "1";
        values["ModelRouter:cooldownSeconds"] = "abc";
        values["ModelRouter:maxJsonDepth"] = "0";
        values["ModelRouter:routers:0:slug"] = "Not A Slug";
        await using var services = Build(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

        var error = Assert.ThrowsAsync<ModelRouterConfigurationException>(() => StartAsync(services));

        var all = string.Join("\n", error!.Errors);
        Assert.Multiple(() =>
        {
            Assert.That(all, Does.Contain("cooldownSeconds"), all);
            Assert.That(all, Does.Contain("slug must be"), all);
        });
    }

    [Test]
    public async Task Start_OutOfRangeSettings_NamesEachKeyOnce()
    {
        var values = ValidSection();
        values["ModelRouter:failureThreshold"] = "1";
        values["ModelRouter:maxJsonDepth"] = "0";
        values["ModelRouter:routers:0:slug"] = "Not A Slug";
        await using var services = Build(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

        var error = Assert.ThrowsAsync<ModelRouterConfigurationException>(() => StartAsync(services));

        Assert.That(error!.Errors, Has.One.Contains("ModelRouter:failureThreshold must be at least 2 (it is 1)")
            .And.One.Contains("ModelRouter:maxJsonDepth must be between 1 and 1024 (it is 0)")
            .And.One.Contains("slug must be"));
    }

    [Test]
    public async Task Reload_InvalidSetting_KeepsTheLastGoodSettings_AValidOneApplies()
    {
        var source = new ReloadableSource(ValidSection());
        await using var services = Build(new ConfigurationBuilder().Add(source).Build());
        await StartAsync(services);
        var settings = services.GetRequiredService<ModelRouterSettings>();
        Assert.That(settings.Current.FailureThreshold, Is.EqualTo(3));

        source.Set("ModelRouter:failureThreshold", "1");
        Assert.That(settings.Current.FailureThreshold, Is.EqualTo(3), "an invalid value is refused");
        source.Set("ModelRouter:failureThreshold", "five");
        Assert.That(settings.Current.FailureThreshold, Is.EqualTo(3), "a value that does not bind is refused");

        source.Set("ModelRouter:failureThreshold", "5");
        Assert.That(settings.Current.FailureThreshold, Is.EqualTo(5), "a valid change applies");
    }

    [TestCase("ModelRouterOld", Description = "the section renamed")]
    [TestCase(null, Description = "no section at all")]
    public async Task Start_SectionMissing_WarnsNamingItAndRequestsGet503NotConfigured(string? otherSection)
    {
        var values = otherSection is null ? [] : ValidSection().ToDictionary(kv => kv.Key.Replace("ModelRouter:", otherSection + ":", StringComparison.Ordinal), kv => kv.Value);
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddModelRouter(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("ModelRouter"));
        await using var provider = services.BuildServiceProvider();

        await StartAsync(provider);
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await provider.GetRequiredService<IModelRouter>().RouteAsync(
            new ModelRouterRequest("prod", System.Text.Encoding.UTF8.GetBytes("{\"model\":\"m\",\"messages\":[]}")) { AppKey = "app-key-0001" }));

        var warnings = provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.NotConfigured));
            Assert.That(error.StatusCode, Is.EqualTo(503));
            Assert.That(error.ErrorCode, Is.EqualTo("not_configured"));
            Assert.That(warnings, Has.One.Contains("'ModelRouter'"));
        });
    }

    private static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddModelRouter(configuration.GetSection("ModelRouter"));
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    /// <summary>An in-memory configuration source whose changes signal a reload, as a JSON file's do.</summary>
    private sealed class ReloadableSource(Dictionary<string, string?> initial) : IConfigurationSource
    {
        private Provider? _provider;

        public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider = new Provider(initial);

        public void Set(string key, string value) => _provider!.SetAndReload(key, value);

        private sealed class Provider(Dictionary<string, string?> initial) : ConfigurationProvider
        {
            public override void Load() => Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);

            public void SetAndReload(string key, string value)
            {
                Data[key] = value;
                OnReload();
            }
        }
    }
}
