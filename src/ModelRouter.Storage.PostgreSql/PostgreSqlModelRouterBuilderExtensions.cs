using ModelRouter.Storage;
using ModelRouter.Storage.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlModelRouterBuilderExtensions
{
    private static readonly SqlRouterStoreKind<PostgreSqlRouterStore> s_kind = new(
        "postgres",
        _ => throw new InvalidOperationException("ModelRouter:store:kind is 'postgres', so ModelRouter:store:connectionString is required."),
        (options, logger) => new PostgreSqlRouterStore(options, logger));

    /// <summary>
    /// Makes the <c>postgres</c> store kind available to <c>ModelRouter:store:kind</c>; <c>ModelRouter:store:connectionString</c> is required.
    /// </summary>
    /// <remarks>
    /// LLM keys and header values are encrypted at rest with ASP.NET Core Data Protection (registered here if the host
    /// has not): keep its key ring where every instance finds it and it survives restarts, for example
    /// <c>services.AddDataProtection().PersistKeysToFileSystem(...)</c>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddPostgreSqlStore(this IModelRouterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DataProtectionStoredSecrets.Register(builder.Services);
        return s_kind.AddTo(builder);
    }

    /// <summary>Serves LLMs, routers and apps from a PostgreSQL database, whatever <c>ModelRouter:store</c> says.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder UsePostgreSqlStore(this IModelRouterBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        DataProtectionStoredSecrets.Register(builder.Services);
        return s_kind.UseIn(builder, () =>
        {
            var options = new PostgreSqlStoreOptions();
            configure(options);
            return new SqlRouterStoreOptions { ConnectionString = options.ConnectionString, Seed = options.Seed, ResyncInterval = options.ResyncInterval };
        });
    }
}
