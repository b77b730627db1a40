using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Matching;
using ModelRouter.Model;
using ModelRouter.Routing;
using ModelRouter.Selection;
using ModelRouter.Storage;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;
using ModelRouter.Upstream.Bedrock;
using ModelRouter.Upstream.Gemini;
using ModelRouter.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ModelRouter in a service collection.</summary>
public static class ModelRouterServiceCollectionExtensions
{
    /// <summary>
    /// Adds ModelRouter with LLMs, routers, apps and host settings read from a configuration section (usually
    /// <c>ModelRouter</c>), reloading when the configuration changes.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddModelRouter(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<IConfigureOptions<ModelRouterOptions>>(new ConfigureNamedOptions<ModelRouterOptions>(
            Options.Options.DefaultName, o => ConfigurationReader.BindOptions(configuration, o)));
        services.AddSingleton<IOptionsChangeTokenSource<ModelRouterOptions>>(new ConfigurationChangeTokenSource<ModelRouterOptions>(configuration));
        // ModelRouter:store:kind picks the store: "configuration" (the default) or a kind a store package registered.
        services.TryAddSingleton<IRouterStore>(sp => RouterStoreSelector.Create(sp, configuration));
        return AddCore(services);
    }

    /// <summary>Adds ModelRouter configured from code: host settings and, through <see cref="ModelRouterOptions"/>, LLMs, routers and apps.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddModelRouter(this IServiceCollection services, Action<ModelRouterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<IRouterStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ModelRouterOptions>>().Value;
            return new InMemoryRouterStore(new ModelRouterConfig { Llms = [.. o.Llms], Routers = [.. o.Routers], Apps = [.. o.Apps] });
        });
        return AddCore(services);
    }

    private static ModelRouterBuilder AddCore(IServiceCollection services)
    {
        services.AddOptions<ModelRouterOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelRouterOptions>, ModelRouterOptionsValidator>());
        services.TryAddSingleton<ModelRouterSettings>();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPoolMatcher, GlobPoolMatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVendorSelector, RoundRobinVendorSelector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IVendorSelector, WeightedVendorSelector>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, OpenAIProviderAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, AzureOpenAIProviderAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, AnthropicProviderAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, GeminiProviderAdapter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, BedrockProviderAdapter>());
        services.TryAddSingleton<IModelRouterConfigValidator>(sp =>
        {
            var settings = sp.GetRequiredService<ModelRouterSettings>();
            return new ModelRouterConfigValidator(sp.GetServices<IVendorSelector>(), sp.GetServices<IProviderAdapter>(), () => HostPolicy(settings));
        });
        services.AddMetrics();
        services.TryAddSingleton(sp => new RouterTelemetry(
            sp.GetServices<IModelRouterObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RouterTelemetry>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new LlmHealthRegistry(
            () => sp.GetRequiredService<ModelRouterSettings>().Current,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<RouterTelemetry>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new RouterTrafficRegistry(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new RoutingSnapshotCompiler(sp.GetRequiredService<LlmHealthRegistry>(), sp.GetRequiredService<RouterTrafficRegistry>()));
        services.TryAddSingleton<VendorSelectorRegistry>();
        services.TryAddSingleton<ProviderAdapters>();
        services.TryAddSingleton(sp => new RoutingSnapshotProvider(
            sp.GetRequiredService<IRouterStore>(),
            sp.GetRequiredService<IModelRouterConfigValidator>(),
            sp.GetRequiredService<RoutingSnapshotCompiler>(),
            sp.GetServices<IRouterConfigChangeListener>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RoutingSnapshotProvider>>()));
        services.TryAddSingleton<UpstreamInvoker>();
        services.TryAddSingleton<VendorAttempt>();
        services.TryAddSingleton<IModelRouterEntitlement, AlwaysEntitled>();
        services.TryAddSingleton<AppRateLimits>();
        services.TryAddSingleton<IModelRouter, DefaultModelRouter>();
        services.TryAddSingleton<RouterModelCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ModelRouterStartup>());

        if (!services.Any(d => d.ServiceType == typeof(ModelRouterMarker)))
        {
            services.AddSingleton<ModelRouterMarker>();
            // Unhealthy until the first configuration is loaded; hosts map it with app.MapHealthChecks("/healthz").
            services.AddHealthChecks().AddCheck<ModelRouterHealthCheck>(ModelRouterHealthCheck.Name);
            // Only the handler pipeline is used (see UpstreamInvoker): timeouts are per LLM and per attempt.
            services.AddHttpClient(ModelRouterDefaults.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
                {
                    // A redirect would carry the vendor's key to wherever the vendor points: a 3xx is a vendor failure instead.
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    AutomaticDecompression = DecompressionMethods.None,
                    ConnectCallback = new UpstreamConnector(() => HostPolicy(sp.GetRequiredService<ModelRouterSettings>())).ConnectAsync,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    EnableMultipleHttp2Connections = true,
                })
                .RemoveAllLoggers();
        }

        return new ModelRouterBuilder(services);
    }

    /// <summary>The upstream host rules of the host settings in force; the defaults while the settings have never been valid (the host then stops anyway).</summary>
    private static UpstreamHostPolicy HostPolicy(ModelRouterSettings settings)
    {
        try
        {
            return UpstreamHostPolicy.From(settings.Current);
        }
        catch (ModelRouterConfigurationException)
        {
            return UpstreamHostPolicy.Default;
        }
    }

    private sealed class ModelRouterBuilder(IServiceCollection services) : IModelRouterBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

/// <summary>Marks that <c>AddModelRouter</c> ran; other packages check for it.</summary>
internal sealed class ModelRouterMarker;
