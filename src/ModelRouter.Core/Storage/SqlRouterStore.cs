using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Storage;

/// <summary>Settings shared by the SQL stores.</summary>
public class SqlRouterStoreOptions
{
    /// <summary>Gets or sets the connection string. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets the configuration imported the first time the store is found empty, or <see langword="null"/> to start empty.</summary>
    /// <remarks>Once the store holds data, the seed is never applied again, so a changed file does not overwrite managed data.</remarks>
    public ModelRouterConfig? Seed { get; set; }

    /// <summary>Gets or sets the validator the seed must pass; required when <see cref="Seed"/> is set.</summary>
    public IRouterConfigValidator? SeedValidator { get; set; }

    /// <summary>Gets or sets how often the store re-reads its revision to catch changes made elsewhere, or <see langword="null"/> never.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan? ResyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the clock of the resync loop.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>
/// The common part of the SQL stores, written against ADO.NET only: schema creation and migration, reads in one
/// consistent transaction, writes under a database lock with the shared rules, change signalling and resync.
/// </summary>
/// <remarks>
/// Two tables: <c>modelrouter_meta</c> (the store revision and schema version) and <c>modelrouter_items</c> (one
/// row per LLM, router or app: its key, revision and JSON document in the configuration shape).
/// Dialects supply connections, transactions and the write lock.
/// </remarks>
public abstract class SqlRouterStore : IWritableRouterStore, IAsyncDisposable
{
    private const int SchemaVersion = 1;

    private static readonly string[] s_schemaV1 =
    [
        "CREATE TABLE IF NOT EXISTS modelrouter_meta (name varchar(64) NOT NULL PRIMARY KEY, value bigint NOT NULL)",
        "CREATE TABLE IF NOT EXISTS modelrouter_items (kind varchar(16) NOT NULL, item_key varchar(256) NOT NULL, position bigint NOT NULL, revision bigint NOT NULL, document text NOT NULL, PRIMARY KEY (kind, item_key))",
        "INSERT INTO modelrouter_meta (name, value) VALUES ('revision', 0) ON CONFLICT (name) DO NOTHING",
        "INSERT INTO modelrouter_meta (name, value) VALUES ('schema', 0) ON CONFLICT (name) DO NOTHING",
    ];

    private readonly SqlRouterStoreOptions _options;
    private readonly ChangeSignal _changed = new();
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private bool _initialized;
    private long _lastSeenRevision = -1;
    private Task? _watcher;

    /// <summary>Creates the store.</summary>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    protected SqlRouterStore(SqlRouterStoreOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        _options = options;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the name used in log messages, for example <c>sqlite</c>.</summary>
    protected abstract string StoreName { get; }

    /// <summary>Gets the logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>Gets the settings.</summary>
    protected SqlRouterStoreOptions Options => _options;

    /// <summary>Gets a token that is canceled when the store is disposed.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <inheritdoc/>
    public async ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default)
        => (await ReadAsync(cancellationToken).ConfigureAwait(false)).ToConfig();

    /// <inheritdoc/>
    public IChangeToken GetChangeToken() => _changed.GetToken();

    /// <summary>Creates or migrates the schema, applies the seed to an empty store and starts watching for changes; idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _initialized))
        {
            return;
        }

        await _initGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            await MigrateAsync(cancellationToken).ConfigureAwait(false);
            await SeedAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _initialized, true);
            _watcher = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<RouterStoreContents> ReadAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginReadAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var contents = await ReadContentsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return contents;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<RouterStoreContents> ApplyAsync(RouterStoreChange change, IRouterConfigValidator validator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(validator);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var write = await WriteAsync(current => RouterStoreChangeApplier.Apply(current, change, validator), cancellationToken).ConfigureAwait(false);
        StoreLog.StoreChanged(Logger, StoreName, change.Kind, change.ItemKind, change.Key, write.Revision);
        return write.Contents;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watcher is { } watcher)
        {
            try
            {
                await watcher.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stopping.Dispose();
        _initGate.Dispose();
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the dialect's resources.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    /// <summary>Opens a connection.</summary>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Begins a transaction whose reads all see one committed state.</summary>
    protected abstract ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Begins a transaction that holds the store's write lock until it ends, so that writers run one at a time.</summary>
    /// <remarks>The schema may not exist yet when this is called for the migration.</remarks>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool schemaExists, CancellationToken cancellationToken);

    /// <summary>Runs inside the write transaction after a change, before the commit; PostgreSQL sends its notification here.</summary>
    protected virtual ValueTask OnWrittenAsync(DbConnection connection, DbTransaction transaction, long revision, CancellationToken cancellationToken)
        => ValueTask.CompletedTask;

    /// <summary>Watches for changes made elsewhere until <paramref name="cancellationToken"/> fires; by default polls every <see cref="SqlRouterStoreOptions.ResyncInterval"/>.</summary>
    protected virtual async Task WatchAsync(CancellationToken cancellationToken)
    {
        if (_options.ResyncInterval is not { } interval || interval <= TimeSpan.Zero)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(interval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            await ResyncAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the store revision and signals a change when it differs from the last one seen; never throws for database errors.</summary>
    protected async Task ResyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var revision = await ReadRevisionAsync(connection, null, cancellationToken).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _lastSeenRevision, revision) != revision)
                {
                    _changed.Fire();
                }
            }
        }
        catch (DbException ex)
        {
            StoreLog.StoreWatchFailed(Logger, StoreName, ex);
        }
    }

    /// <summary>Creates a command bound to a transaction.</summary>
    protected static DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL text is constant; values travel as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a parameter to a command.</summary>
    protected static void AddParameter(DbCommand command, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

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
        _changed.Fire();
        return write;
    }

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
                                llms.Add(new(StoredDocumentReader.Read(document, key, ConfigurationReader.ReadLlm), itemRevision));
                                break;
                            case "router":
                                routers.Add(new(StoredDocumentReader.Read(document, key, ConfigurationReader.ReadRouter), itemRevision));
                                break;
                            case "app":
                                apps.Add(new(StoredDocumentReader.Read(document, key, (section, _, _) => ConfigurationReader.ReadApp(section)), itemRevision));
                                break;
                            default:
                                throw new ModelRouterConfigurationException($"store {StoreName}: item '{key}' has the unknown kind '{kind}'");
                        }
                    }
                    catch (JsonException ex)
                    {
                        throw new ModelRouterConfigurationException($"store {StoreName}: the stored {kind} '{key}' cannot be read: {ex.Message}", ex);
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

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = CreateCommand(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
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
