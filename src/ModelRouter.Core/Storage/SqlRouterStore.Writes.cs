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

    private string Serialize(WrittenItem item) => item.Item switch
    {
        LlmConfig llm => JsonSerializer.Serialize(ProtectSecrets(llm), ConfigJsonContext.Default.LlmConfig),
        RouterConfig router => JsonSerializer.Serialize(router, ConfigJsonContext.Default.RouterConfig),
        AppConfig app => JsonSerializer.Serialize(app, ConfigJsonContext.Default.AppConfig),
        _ => throw new InvalidOperationException("Unknown item type."),
    };

    /// <summary>Encrypts the LLM's key and header values, as the row will hold them (values already encrypted are kept); without a protector they stay as they are.</summary>
    private LlmConfig ProtectSecrets(LlmConfig llm)
    {
        if (_options.Secrets is not { } secrets)
        {
            return llm;
        }

        return llm with
        {
            ApiKey = string.IsNullOrEmpty(llm.ApiKey) || StoredSecrets.IsProtected(llm.ApiKey) ? llm.ApiKey : secrets.Protect(llm.ApiKey),
            Headers = llm.Headers.Count == 0
                ? llm.Headers
                : [.. llm.Headers.Select(h => string.IsNullOrEmpty(h.Value) || StoredSecrets.IsProtected(h.Value) ? h : h with { Value = secrets.Protect(h.Value) })],
        };
    }

    /// <summary>Decrypts the LLM's key and header values of a row; a value written in the clear by an earlier version is returned as it is.</summary>
    private LlmConfig UnprotectSecrets(LlmConfig llm)
    {
        var secrets = _options.Secrets;
        if (!StoredSecrets.IsProtected(llm.ApiKey) && !llm.Headers.Any(h => StoredSecrets.IsProtected(h.Value)))
        {
            return llm;
        }

        if (secrets is null)
        {
            throw new ModelRouterConfigurationException(
                $"store {StoreName}: llm '{llm.Id}' holds encrypted secrets, and no Data Protection is configured to read them; register the store with AddSqliteStore() or AddPostgreSqlStore()");
        }

        try
        {
            return llm with
            {
                ApiKey = StoredSecrets.IsProtected(llm.ApiKey) ? secrets.Unprotect(llm.ApiKey!) : llm.ApiKey,
                Headers = [.. llm.Headers.Select(h => StoredSecrets.IsProtected(h.Value) ? h with { Value = secrets.Unprotect(h.Value) } : h)],
            };
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // The exception names no secret; the message says where to look.
            throw new ModelRouterConfigurationException(
                $"store {StoreName}: the secrets of llm '{llm.Id}' cannot be decrypted: the Data Protection keys they were encrypted with are not available here " +
                "(persist the key ring where every instance finds it, for example with PersistKeysToFileSystem)", ex);
        }
    }

    private static string KindName(RouterStoreItemKind kind) => kind switch
    {
        RouterStoreItemKind.Llm => "llm",
        RouterStoreItemKind.Router => "router",
        _ => "app",
    };

    private static string NormalizeKey(string key) => key.ToUpperInvariant();
}
