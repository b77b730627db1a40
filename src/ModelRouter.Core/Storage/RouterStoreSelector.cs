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
            return new ConfigurationRouterStore(section, RootOf(services, section));
        }

        var factories = (IEnumerable<IRouterStoreFactory>?)services.GetService(typeof(IEnumerable<IRouterStoreFactory>)) ?? [];
        var factory = factories.LastOrDefault(f => string.Equals(f.Kind, settings.Kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"ModelRouter:store:kind is '{settings.Kind}', but no store of that kind is registered. For 'sqlite' reference ModelRouter.Storage.Sqlite " +
                "and call .AddSqliteStore(); for 'postgres' reference ModelRouter.Storage.PostgreSql and call .AddPostgreSqlStore(); or use 'configuration'.");
        return factory.Create(services, settings);
    }

    /// <summary>
    /// The host's configuration root when <paramref name="section"/> is it or one of its sections: a section hands out
    /// its root's change token, so the same token instance tells they belong together.
    /// </summary>
    private static IConfigurationRoot? RootOf(IServiceProvider services, IConfiguration section)
        => section as IConfigurationRoot
            ?? (services.GetService(typeof(IConfiguration)) is IConfigurationRoot root && ReferenceEquals(root.GetReloadToken(), section.GetReloadToken()) ? root : null);
}
