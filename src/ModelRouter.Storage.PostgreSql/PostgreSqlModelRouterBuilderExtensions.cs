using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Storage;
using ModelRouter.Storage.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlModelRouterBuilderExtensions
{
    /// <summary>
    /// Makes the <c>postgres</c> store kind available to <c>ModelRouter:store:kind</c>; <c>ModelRouter:store:connectionString</c> is required.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder AddPostgreSqlStore(this IModelRouterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouterStoreFactory, PostgreSqlRouterStoreFactory>());
        return builder;
    }

    /// <summary>Serves LLMs, routers and apps from a PostgreSQL database, whatever <c>ModelRouter:store</c> says.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IModelRouterBuilder UsePostgreSqlStore(this IModelRouterBuilder builder, Action<SqlRouterStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Replace(ServiceDescriptor.Singleton<IRouterStore>(sp =>
        {
            var options = new SqlRouterStoreOptions();
            configure(options);
            return new PostgreSqlRouterStore(options, sp.GetService<ILogger<PostgreSqlRouterStore>>());
        }));
        return builder;
    }

    private sealed class PostgreSqlRouterStoreFactory : IRouterStoreFactory
    {
        public string Kind => "postgres";

        public IRouterStore Create(IServiceProvider services, RouterStoreSettings settings)
        {
            var connectionString = settings.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ModelRouter:store:kind is 'postgres', so ModelRouter:store:connectionString is required.");
            }

            return new PostgreSqlRouterStore(
                settings.CreateSqlStoreOptions(services, connectionString),
                services.GetService<ILogger<PostgreSqlRouterStore>>());
        }
    }
}
