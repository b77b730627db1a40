using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelRouter.Configuration;
using ModelRouter.Matching;
using ModelRouter.Routing;
using ModelRouter.Selection;
using ModelRouter.Storage;
using ModelRouter.Upstream;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Options of <see cref="IModelRouterBuilder"/>.</summary>
public static class ModelRouterBuilderExtensions
{
    /// <summary>Serves LLMs, routers and apps from a store of the host's choosing, replacing the default one.</summary>
    public static IModelRouterBuilder UseStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IModelRouterBuilder builder)
        where TStore : class, IRouterStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRouterStore, TStore>());
        return builder;
    }

    /// <summary>Serves LLMs, routers and apps from a store instance, replacing the default one.</summary>
    public static IModelRouterBuilder UseStore(this IModelRouterBuilder builder, IRouterStore store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        builder.Services.Replace(ServiceDescriptor.Singleton(store));
        return builder;
    }

    /// <summary>Serves a fixed configuration from memory; returns the store so that the host can update it later.</summary>
    public static IModelRouterBuilder LoadFromMemory(this IModelRouterBuilder builder, ModelRouterConfig config)
        => builder.UseStore(new InMemoryRouterStore(config));

    /// <summary>Registers a vendor selector; pools pick it by its <see cref="IVendorSelector.Name"/> in <c>algorithm</c>.</summary>
    public static IModelRouterBuilder AddVendorSelector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSelector>(this IModelRouterBuilder builder)
        where TSelector : class, IVendorSelector
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IVendorSelector, TSelector>());
        return builder;
    }

    /// <summary>Registers a provider adapter; LLMs pick it by its <see cref="IProviderAdapter.ProviderKind"/> in <c>provider</c>.</summary>
    public static IModelRouterBuilder AddProviderAdapter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAdapter>(this IModelRouterBuilder builder)
        where TAdapter : class, IProviderAdapter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderAdapter, TAdapter>());
        return builder;
    }

    /// <summary>Replaces the pool matcher.</summary>
    public static IModelRouterBuilder UsePoolMatcher<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TMatcher>(this IModelRouterBuilder builder)
        where TMatcher : class, IPoolMatcher
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IPoolMatcher, TMatcher>());
        return builder;
    }

    /// <summary>
    /// Adds the <c>modelrouter-pools</c> health check: Degraded while any pool has vendors cooling down or with an open
    /// circuit breaker, Unhealthy while a pool has no vendor available, each such pool named in the check's data.
    /// The <c>modelrouter</c> check (unhealthy until the first configuration is loaded) is always registered.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="tags">Tags for the check, to tell readiness from liveness probes, say.</param>
    /// <remarks>Calling it again adds nothing.</remarks>
    public static IModelRouterBuilder AddHealthChecks(this IModelRouterBuilder builder, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(ModelRouterPoolsHealthCheck)))
        {
            builder.Services.AddSingleton<ModelRouterPoolsHealthCheck>();
            builder.Services.AddHealthChecks().AddCheck<ModelRouterPoolsHealthCheck>(ModelRouterPoolsHealthCheck.Name, failureStatus: null, tags ?? []);
        }

        return builder;
    }

    /// <summary>Configures the handler pipeline that carries upstream requests (primary handler, delegating handlers, proxies, certificates).</summary>
    /// <remarks>
    /// Requests go through the handlers with an <see cref="HttpMessageInvoker"/>, not an <see cref="HttpClient"/>, so settings of
    /// the client object itself (<c>Timeout</c>, <c>DefaultRequestHeaders</c>, <c>BaseAddress</c>) are not used.
    /// </remarks>
    public static IModelRouterBuilder ConfigureHttpClient(this IModelRouterBuilder builder, Action<IHttpClientBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        configure(builder.Services.AddHttpClient(ModelRouterDefaults.HttpClientName));
        return builder;
    }
}
