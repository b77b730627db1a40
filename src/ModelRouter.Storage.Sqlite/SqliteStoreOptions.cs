using ModelRouter.Configuration;

namespace ModelRouter.Storage.Sqlite;

/// <summary>Settings of the SQLite store of <c>UseSqliteStore</c>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets the connection string, for example <c>Data Source=/var/lib/modelrouter/modelrouter.db</c>. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets the configuration imported the first time the database is found empty, or <see langword="null"/> to start empty.</summary>
    /// <remarks>Once the database holds data, the seed is never applied again, so a changed seed does not overwrite managed data.</remarks>
    public ModelRouterConfig? Seed { get; set; }

    /// <summary>Gets or sets how often the store re-reads its revision to catch changes another process made to the same file, or <see langword="null"/> never.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan? ResyncInterval { get; set; } = SqlRouterStoreOptions.DefaultResyncInterval;
}
