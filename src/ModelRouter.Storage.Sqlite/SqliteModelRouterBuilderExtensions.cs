using Microsoft.Extensions.Hosting;
using ModelRouter.Storage;
using ModelRouter.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteModelRouterBuilderExtensions
{
    // Without a connection string, the database is a file in the host's content root.
    private static readonly SqlRouterStoreKind<SqliteRouterStore> s_kind = new(
        "sqlite",
        services => "Data Source=" + Path.Combine(services.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory, "modelrouter.db"),
        (options, logger) => new SqliteRouterStore(options, logger));

    /// <summary>
    /// Makes the <c>sqlite</c> store kind available to <c>ModelRouter:store:kind</c>. Without a
    /// <c>connectionString</c>, the database is <c>modelrouter.db</c> in the host's content root.
    /// </summary>
    /// <remarks>
    /// LLM keys and header values are encrypted at rest with ASP.NET Core Data Protection (registered here if the host
    /// has not): keep its key ring where every instance finds it and it survives restarts, for example
    /// <c>services.AddDataProtection().PersistKeysToFileSystem(...)</c>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddSqliteStore(this IModelRouterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DataProtectionStoredSecrets.Register(builder.Services);
        return s_kind.AddTo(builder);
    }

    /// <summary>Serves LLMs, routers and apps from a SQLite database, whatever <c>ModelRouter:store</c> says.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder UseSqliteStore(this IModelRouterBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        DataProtectionStoredSecrets.Register(builder.Services);
        return s_kind.UseIn(builder, () =>
        {
            var options = new SqliteStoreOptions();
            configure(options);
            return new SqlRouterStoreOptions { ConnectionString = options.ConnectionString, Seed = options.Seed, ResyncInterval = options.ResyncInterval };
        });
    }
}
