using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Storage;

/// <content>Reads: every item and the store revision, in one consistent transaction.</content>
internal abstract partial class SqlRouterStore
{
    private async Task<RouterStoreContents> ReadContentsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var revision = await ReadRevisionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var llms = new List<StoredItem<LlmConfig>>();
        var routers = new List<StoredItem<RouterConfig>>();
        var apps = new List<StoredItem<AppConfig>>();
        var command = CreateCommand(connection, transaction, "SELECT kind, item_key, revision, document FROM modelrouter_items ORDER BY position, item_key");
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var kind = reader.GetString(0);
                    var key = reader.GetString(1);
                    var itemRevision = reader.GetInt64(2).ToString(CultureInfo.InvariantCulture);
                    var document = reader.GetString(3);
                    try
                    {
                        switch (kind)
                        {
                            case "llm":
                                llms.Add(new(ConfigDocuments.Read(document, ConfigJsonContext.Default.LlmDocument).ToConfig(), itemRevision));
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

        Interlocked.Exchange(ref _lastSeenRevision, revision);
        return new RouterStoreContents
        {
            Revision = revision.ToString(CultureInfo.InvariantCulture),
            Llms = llms,
            Routers = routers,
            Apps = apps,
        };
    }

    private static async Task<long> ReadRevisionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = CreateCommand(connection, transaction, "SELECT value FROM modelrouter_meta WHERE name = 'revision'");
        await using (command.ConfigureAwait(false))
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
    }
}
