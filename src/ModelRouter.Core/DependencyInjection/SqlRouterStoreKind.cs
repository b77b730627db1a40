using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A SQL store kind and its registration, shared by the SQLite and PostgreSQL packages: each supplies its kind name,
/// what to do without a connection string, and its constructor; the rest (seed, validator, clock, DI) is the same.
/// </summary>
/// <typeparam name="TStore">The store; it also makes the factory type of each kind distinct for <c>TryAddEnumerable</c>.</typeparam>
/// <param name="kind">The value of <c>ModelRouter:store:kind</c> that selects this store.</param>
/// <param name="defaultConnectionString">Gives the connection string when <c>ModelRouter:store:connectionString</c> is empty, or throws to say it is required.</param>
/// <param name="create">Creates the store from its options and logger.</param>
internal sealed class SqlRouterStoreKind<TStore>(
    string kind,
    Func<IServiceProvider, string> defaultConnectionString,
    Func<SqlRouterStoreOptions, ILogger<TStore>?, TStore> create) : IRouterStoreFactory
    where TStore : SqlRouterStore
{
    /// <inheritdoc/>
    public string Kind => kind;

    /// <summary>Makes this kind available to <c>ModelRouter:store:kind</c>; registering it again changes nothing.</summary>
    public IModelRouterBuilder AddTo(IModelRouterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouterStoreFactory>(this));
        return builder;
    }

    /// <summary>Serves LLMs, routers and apps from this store, whatever <c>ModelRouter:store</c> says.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">Gives the options the host configured: connection string, seed, resync interval.</param>
    public IModelRouterBuilder UseIn(IModelRouterBuilder builder, Func<SqlRouterStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRouterStore>(services => Create(services, options())));
        return builder;
    }

    /// <inheritdoc/>
    public IRouterStore Create(IServiceProvider services, RouterStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        var connectionString = string.IsNullOrWhiteSpace(settings.ConnectionString) ? defaultConnectionString(services) : settings.ConnectionString;
        return Create(services, new SqlRouterStoreOptions { ConnectionString = connectionString, Seed = settings.ReadSeed() });
    }

    // The seed's validator, the resync clock and the protector of secrets come from the host's services.
    private TStore Create(IServiceProvider services, SqlRouterStoreOptions options)
    {
        options.SeedValidator = services.GetService<IModelRouterConfigValidator>()
            ?? throw new InvalidOperationException("AddModelRouter(...) must be called before a store is created.");
        options.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        options.Secrets ??= services.GetService<IStoredSecretProtector>();
        return create(options, services.GetService<ILogger<TStore>>());
    }
}
