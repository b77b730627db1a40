using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Storage;
using ModelRouter.Storage.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteModelRouterBuilderExtensions
{
    /// <summary>
    /// Makes the <c>sqlite</c> store kind available to <c>ModelRouter:store:kind</c>. Without a
    /// <c>connectionString</c>, the database is <c>modelrouter.db</c> in the host's content root.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddSqliteStore(this IModelRouterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouterStoreFactory, SqliteRouterStoreFactory>());
        return builder;
    }

    /// <summary>Serves LLMs, routers and apps from a SQLite database, whatever <c>ModelRouter:store</c> says.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder UseSqliteStore(this IModelRouterBuilder builder, Action<SqlRouterStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRouterStore>(sp =>
        {
            var options = new SqlRouterStoreOptions();
            configure(options);
            return new SqliteRouterStore(options, sp.GetService<ILogger<SqliteRouterStore>>());
        }));
        return builder;
    }

    private sealed class SqliteRouterStoreFactory : IRouterStoreFactory
    {
        public string Kind => "sqlite";

        public IRouterStore Create(IServiceProvider services, RouterStoreSettings settings)
        {
            var connectionString = settings.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var root = services.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
                connectionString = "Data Source=" + Path.Combine(root, "modelrouter.db");
            }

            return new SqliteRouterStore(
                settings.CreateSqlStoreOptions(services, connectionString),
                services.GetService<ILogger<SqliteRouterStore>>());
        }
    }
}
