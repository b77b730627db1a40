using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Storage;

/// <content>Writes: one change under the database write lock, persisted and then signalled.</content>
internal abstract partial class SqlRouterStore
{
    /// <summary>Runs <paramref name="apply"/> under the write lock and persists what it returns; <see langword="null"/> writes nothing.</summary>
    private async Task<RouterStoreWrite> WriteAsync(Func<RouterStoreContents, RouterStoreWrite?> apply, CancellationToken cancellationToken)
    {
        RouterStoreWrite? write;
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteAsync(connection, schemaExists: true, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var current = await ReadContentsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                write = apply(current);
                if (write is null)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return new RouterStoreWrite(current, RouterStoreChangeApplier.ParseRevision(current.Revision), [], [], false);
                }

                if (write.ReplaceAll)
                {
                    await ExecuteAsync(connection, transaction, "DELETE FROM modelrouter_items", cancellationToken).ConfigureAwait(false);
                }

                foreach (var (kind, key) in write.Deletes)
                {
                    var delete = CreateCommand(connection, transaction, "DELETE FROM modelrouter_items WHERE kind = @kind AND item_key = @key");
                    await using (delete.ConfigureAwait(false))
                    {
                        AddParameter(delete, "@kind", KindName(kind));
                        AddParameter(delete, "@key", NormalizeKey(key));
                        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                foreach (var item in write.Upserts)
                {
                    var upsert = CreateCommand(connection, transaction,
                        "INSERT INTO modelrouter_items (kind, item_key, position, revision, document) VALUES (@kind, @key, @position, @revision, @document) " +
                        "ON CONFLICT (kind, item_key) DO UPDATE SET revision = excluded.revision, document = excluded.document");
                    await using (upsert.ConfigureAwait(false))
                    {
                        AddParameter(upsert, "@kind", KindName(item.Kind));
                        AddParameter(upsert, "@key", NormalizeKey(item.Key));
                        AddParameter(upsert, "@position", item.Position);
                        AddParameter(upsert, "@revision", write.Revision);
                        AddParameter(upsert, "@document", Serialize(item));
                        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                var meta = CreateCommand(connection, transaction, "UPDATE modelrouter_meta SET value = @revision WHERE name = 'revision'");
                await using (meta.ConfigureAwait(false))
                {
                    AddParameter(meta, "@revision", write.Revision);
                    await meta.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await OnWrittenAsync(connection, transaction, write.Revision, cancellationToken).ConfigureAwait(false);

                // Past this point the change is durable; it must not be canceled halfway.
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        Interlocked.Exchange(ref _lastSeenRevision, write.Revision);
        Remember(write.Revision, write.Contents);
        _changed.Fire();
        return write;
    }

    private static string Serialize(WrittenItem item) => item.Item switch
    {
        LlmConfig llm => JsonSerializer.Serialize(llm, ConfigJsonContext.Default.LlmConfig),
        RouterConfig router => JsonSerializer.Serialize(router, ConfigJsonContext.Default.RouterConfig),
        AppConfig app => JsonSerializer.Serialize(app, ConfigJsonContext.Default.AppConfig),
        _ => throw new InvalidOperationException("Unknown item type."),
    };

    private static string KindName(RouterStoreItemKind kind) => kind switch
    {
        RouterStoreItemKind.Llm => "llm",
        RouterStoreItemKind.Router => "router",
        _ => "app",
    };

    private static string NormalizeKey(string key) => key.ToUpperInvariant();
}
