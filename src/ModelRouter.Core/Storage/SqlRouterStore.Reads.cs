using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Storage;

/// <content>Reads: every item and the store revision, in one consistent transaction.</content>
internal abstract partial class SqlRouterStore
{
    /// <summary>
    /// Reads the store at its current revision. The contents last read or written are kept: when the revision has not
    /// moved they are returned as they are (the same item instances, so that validation and compilation can tell what
    /// changed), and when it has, only the rows written since are read and parsed; the keys of the others tell what was deleted.
    /// </summary>
    private async Task<RouterStoreContents> ReadContentsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var revision = await ReadRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var known = Volatile.Read(ref _known);
        var contents = known is not null && known.Number == revision
            ? known.Contents
            : await ReadRowsAsync(connection, transaction, revision, known, cancellationToken).ConfigureAwait(false)
                ?? await ReadRowsAsync(connection, transaction, revision, null, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastSeenRevision, revision);
        if (!ReferenceEquals(contents, known?.Contents))
        {
            Remember(revision, contents!);
        }

        return contents!;
    }

    /// <summary>Keeps the contents of a revision for the next read; called after a read and after a committed write.</summary>
    private void Remember(long revision, RouterStoreContents contents) => Volatile.Write(ref _known, new KnownContents(revision, contents));

    /// <summary>Reads every row, parsing those written after <paramref name="known"/>; <see langword="null"/> when an older row is not among the known contents.</summary>
    private async Task<RouterStoreContents?> ReadRowsAsync(DbConnection connection, DbTransaction transaction, long revision, KnownContents? known, CancellationToken cancellationToken)
    {
        var reuse = known is null ? null : Index(known.Contents);
        var llms = new List<StoredItem<LlmConfig>>();
        var routers = new List<StoredItem<RouterConfig>>();
        var apps = new List<StoredItem<AppConfig>>();
        var command = CreateCommand(connection, transaction,
            "SELECT kind, item_key, revision, CASE WHEN revision > @known THEN document END FROM modelrouter_items ORDER BY position, item_key");
        await using (command.ConfigureAwait(false))
        {
            AddParameter(command, "@known", known?.Number ?? -1);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var kind = reader.GetString(0);
                    var key = reader.GetString(1);
                    var itemRevision = reader.GetInt64(2).ToString(CultureInfo.InvariantCulture);
                    if (reader.IsDBNull(3))
                    {
                        // Unchanged since the known revision: the item read or written then.
                        if (reuse is null || !reuse.TryGetValue((kind, key), out var item) || item.Revision != itemRevision)
                        {
                            return null;
                        }

                        switch (item.Stored)
                        {
                            case StoredItem<LlmConfig> llm:
                                llms.Add(llm);
                                break;
                            case StoredItem<RouterConfig> router:
                                routers.Add(router);
                                break;
                            case StoredItem<AppConfig> app:
                                apps.Add(app);
                                break;
                        }

                        continue;
                    }

                    var document = reader.GetString(3);
                    try
                    {
                        switch (kind)
                        {
                            case "llm":
                                llms.Add(new(UnprotectSecrets(ConfigDocuments.Read(document, ConfigJsonContext.Default.LlmDocument).ToConfig()), itemRevision));
                                break;
                            case "router":
                                routers.Add(new(ConfigDocuments.Read(document, ConfigJsonContext.Default.RouterDocument).ToConfig(), itemRevision));
                                break;
                            case "app":
                                apps.Add(new(ConfigDocuments.Read(document, ConfigJsonContext.Default.AppDocument).ToConfig(), itemRevision));
                                break;
                            default:
                                throw new ModelRouterConfigurationException($"store {StoreName}: item '{key}' has the unknown kind '{kind}'");
                        }
                    }
                    catch (JsonException ex)
                    {
                        var field = ConfigDocuments.FieldOf(ex);
                        var at = field.Length == 0 ? "" : $" (field {field})";
                        throw new ModelRouterConfigurationException($"store {StoreName}: the stored {kind} '{key}' cannot be read{at}: {ex.Message}", ex);
                    }
                }
            }
        }

        return new RouterStoreContents
        {
            Revision = revision.ToString(CultureInfo.InvariantCulture),
            Llms = llms,
            Routers = routers,
            Apps = apps,
        };
    }

    /// <summary>Indexes known contents by the kind and key columns their rows have.</summary>
    private static Dictionary<(string Kind, string Key), (object Stored, string Revision)> Index(RouterStoreContents contents)
    {
        var index = new Dictionary<(string, string), (object, string)>(contents.Llms.Count + contents.Routers.Count + contents.Apps.Count);
        foreach (var llm in contents.Llms)
        {
            index[(KindName(RouterStoreItemKind.Llm), NormalizeKey(llm.Item.Id))] = (llm, llm.Revision);
        }

        foreach (var router in contents.Routers)
        {
            index[(KindName(RouterStoreItemKind.Router), NormalizeKey(router.Item.Slug))] = (router, router.Revision);
        }

        foreach (var app in contents.Apps)
        {
            index[(KindName(RouterStoreItemKind.App), NormalizeKey(app.Item.Name))] = (app, app.Revision);
        }

        return index;
    }

    /// <summary>The contents of one store revision, as last read or written by this instance.</summary>
    private sealed record KnownContents(long Number, RouterStoreContents Contents);

    private static async Task<long> ReadRevisionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = CreateCommand(connection, transaction, "SELECT value FROM modelrouter_meta WHERE name = 'revision'");
        await using (command.ConfigureAwait(false))
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
    }
}
