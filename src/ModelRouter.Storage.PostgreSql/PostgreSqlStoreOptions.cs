using ModelRouter.Configuration;

namespace ModelRouter.Storage.PostgreSql;

/// <summary>Settings of the PostgreSQL store of <c>UsePostgreSqlStore</c>.</summary>
public sealed class PostgreSqlStoreOptions
{
    /// <summary>Gets or sets the Npgsql connection string. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets the configuration imported the first time the database is found empty, or <see langword="null"/> to start empty.</summary>
    /// <remarks>Once the database holds data, the seed is never applied again, so a changed seed does not overwrite managed data.</remarks>
    public ModelRouterConfig? Seed { get; set; }

    /// <summary>
    /// Gets or sets how often the store re-reads its revision in case a notification was lost, or <see langword="null"/>
    /// for every 30 seconds; changes arrive at once through <c>LISTEN/NOTIFY</c> either way.
    /// </summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan? ResyncInterval { get; set; } = SqlRouterStoreOptions.DefaultResyncInterval;
}
