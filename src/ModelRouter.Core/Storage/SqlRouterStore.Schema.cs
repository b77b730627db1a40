using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Storage;

/// <content>Schema creation and migration, and the one-time seed of an empty store.</content>
internal abstract partial class SqlRouterStore
{
    /// <summary>1: the tables; 2: app keys stored as hashes only.</summary>
    private const int SchemaVersion = 2;

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

                // Each later schema version adds its step here, guarded by the stored version.
                var rewritten = 0;
                if (version < 2)
                {
                    rewritten = await HashPlaintextAppKeysAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                }

                // Not tied to a schema version: a store first run without Data Protection is encrypted once it has it.
                rewritten += await ProtectPlaintextLlmSecretsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

                if (version < SchemaVersion)
                {
                    await ExecuteAsync(connection, transaction, $"UPDATE modelrouter_meta SET value = {SchemaVersion} WHERE name = 'schema'", cancellationToken).ConfigureAwait(false);
                    StoreLog.StoreSchemaMigrated(Logger, StoreName, SchemaVersion);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (rewritten > 0)
                {
                    StoreLog.StoreSecretsRewritten(Logger, StoreName, rewritten);
                    await OnSecretsRewrittenAsync(connection, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Runs after rows that held secrets in the clear were rewritten and committed, so that the dialect can drop the old
    /// versions of those rows it still keeps (SQLite: the write-ahead log).
    /// </summary>
    protected virtual ValueTask OnSecretsRewrittenAsync(DbConnection connection, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Encrypts the key and header values of every LLM row that holds one in the clear; returns how many rows changed.</summary>
    private async Task<int> ProtectPlaintextLlmSecretsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (_options.Secrets is null)
        {
            return 0;
        }

        var rows = new List<(string Key, LlmConfig Llm)>();
        var select = CreateCommand(connection, transaction, "SELECT item_key, document FROM modelrouter_items WHERE kind = 'llm'");
        await using (select.ConfigureAwait(false))
        {
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    LlmConfig llm;
                    try
                    {
                        llm = ConfigDocuments.Read(reader.GetString(1), ConfigJsonContext.Default.LlmDocument).ToConfig();
                    }
                    catch (JsonException)
                    {
                        // Left as it is: reading the store names the row and its field.
                        continue;
                    }

                    if (IsPlain(llm.ApiKey) || llm.Headers.Any(h => IsPlain(h.Value)))
                    {
                        rows.Add((reader.GetString(0), llm));
                    }
                }
            }
        }

        foreach (var (key, llm) in rows)
        {
            var update = CreateCommand(connection, transaction, "UPDATE modelrouter_items SET document = @document WHERE kind = 'llm' AND item_key = @key");
            await using (update.ConfigureAwait(false))
            {
                AddParameter(update, "@document", JsonSerializer.Serialize(ProtectSecrets(llm), ConfigJsonContext.Default.LlmConfig));
                AddParameter(update, "@key", key);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return rows.Count;

        static bool IsPlain(string? value) => !string.IsNullOrEmpty(value) && !StoredSecrets.IsProtected(value);
    }

    /// <summary>Schema 2: replaces the plaintext key of every app row written by schema 1 with its hash; returns how many rows changed.</summary>
    private static async Task<int> HashPlaintextAppKeysAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var rows = new List<(string Key, string Document)>();
        var select = CreateCommand(connection, transaction, "SELECT item_key, document FROM modelrouter_items WHERE kind = 'app'");
        await using (select.ConfigureAwait(false))
        {
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
        }

        var changed = 0;
        foreach (var (key, document) in rows)
        {
            AppConfig app;
            try
            {
                app = ConfigDocuments.Read(document, ConfigJsonContext.Default.AppDocument).ToConfig();
            }
            catch (JsonException)
            {
                // Left as it is: reading the store names the row and its field.
                continue;
            }

            if (string.IsNullOrEmpty(app.ApiKey))
            {
                continue;
            }

            var update = CreateCommand(connection, transaction, "UPDATE modelrouter_items SET document = @document WHERE kind = 'app' AND item_key = @key");
            await using (update.ConfigureAwait(false))
            {
                AddParameter(update, "@document", JsonSerializer.Serialize(AppKeys.HashPlaintext(app), ConfigJsonContext.Default.AppConfig));
                AddParameter(update, "@key", key);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            changed++;
        }

        return changed;
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
