using System.Globalization;

namespace ModelRouter.Storage;

/// <content>Schema creation and migration, and the one-time seed of an empty store.</content>
internal abstract partial class SqlRouterStore
{
    private const int SchemaVersion = 1;

    private static readonly string[] s_schemaV1 =
    [
        "CREATE TABLE IF NOT EXISTS modelrouter_meta (name varchar(64) NOT NULL PRIMARY KEY, value bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS modelrouter_items (kind varchar(16) NOT NULL, item_key varchar(256) NOT NULL, position bigint NOT NULL, revision bigint NOT NULL, document text NOT NULL, PRIMARY KEY (kind, item_key))",
        "INSERT INTO modelrouter_meta (name, value) VALUES ('revision', 0) ON CONFLICT (name) DO NOTHING",
        "INSERT INTO modelrouter_meta (name, value) VALUES ('schema', 0) ON CONFLICT (name) DO NOTHING",
    ];

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, schemaExists: false, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var sql in s_schemaV1)
                {
                    await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
                }

                var command = CreateCommand(connection, transaction, "SELECT value FROM modelrouter_meta WHERE name = 'schema'");
                long version;
                await using (command.ConfigureAwait(false))
                {
                    version = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }

                // Later schema versions add their steps here, each guarded by the stored version.
                if (version < SchemaVersion)
                {
                    await ExecuteAsync(connection, transaction, $"UPDATE modelrouter_meta SET value = {SchemaVersion} WHERE name = 'schema'", cancellationToken).ConfigureAwait(false);
                    StoreLog.StoreSchemaMigrated(Logger, StoreName, SchemaVersion);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (_options.Seed is not { } seed)
        {
            return;
        }

        var validator = _options.SeedValidator ?? throw new InvalidOperationException("SqlRouterStoreOptions.SeedValidator is required when a seed is set.");
        var seeded = false;
        try
        {
            await WriteAsync(
                current =>
                {
                    if (current.Revision != "0" || current.Llms.Count + current.Routers.Count + current.Apps.Count > 0)
                    {
                        return null;
                    }

                    seeded = true;
                    return RouterStoreChangeApplier.Apply(current, RouterStoreChange.Import(seed), validator);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RouterStoreException ex) when (ex.Error == RouterStoreError.Invalid)
        {
            throw new ModelRouterConfigurationException(ex.Errors);
        }

        if (seeded)
        {
            StoreLog.StoreSeeded(Logger, StoreName, seed.Routers.Count, seed.Llms.Count, seed.Apps.Count);
        }
        else
        {
            var revision = Volatile.Read(ref _lastSeenRevision);
            StoreLog.StoreSeedSkipped(Logger, StoreName, revision);
        }
    }
}
