using Microsoft.Extensions.Configuration;

namespace ModelRouter.Storage;

/// <summary>Creates the store that <c>ModelRouter:store:kind</c> names.</summary>
internal static class RouterStoreSelector
{
    public static IRouterStore Create(IServiceProvider services, IConfiguration section)
    {
        var settings = RouterStoreSettings.FromConfiguration(section);
        if (string.Equals(settings.Kind, RouterStoreSettings.ConfigurationKind, StringComparison.OrdinalIgnoreCase))
        {
            return new ConfigurationRouterStore(section);
        }

        var factories = (IEnumerable<IRouterStoreFactory>?)services.GetService(typeof(IEnumerable<IRouterStoreFactory>)) ?? [];
        var factory = factories.LastOrDefault(f => string.Equals(f.Kind, settings.Kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"ModelRouter:store:kind is '{settings.Kind}', but no store of that kind is registered. For 'sqlite' reference ModelRouter.Storage.Sqlite " +
                "and call .AddSqliteStore(); for 'postgres' reference ModelRouter.Storage.PostgreSql and call .AddPostgreSqlStore(); or use 'configuration'.");
        return factory.Create(services, settings);
    }
}
