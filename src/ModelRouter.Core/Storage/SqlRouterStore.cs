using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>
/// The common part of the SQL stores, written against ADO.NET only: schema creation and migration, reads in one
/// consistent transaction, writes under a database lock with the shared rules, change signalling and resync.
/// </summary>
/// <remarks>
/// Two tables: <c>modelrouter_meta</c> (the store revision and schema version) and <c>modelrouter_items</c> (one
/// row per LLM, router or app: its key, revision and JSON document in the configuration shape).
/// Dialects supply connections, transactions and the write lock.
/// </remarks>
internal abstract partial class SqlRouterStore : IWritableRouterStore, IAsyncDisposable
{
    private readonly SqlRouterStoreOptions _options;
    private readonly ChangeSignal _changed = new();
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private bool _initialized;
    private long _lastSeenRevision = -1;
    private KnownContents? _known;
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

            try
            {
                await MigrateAsync(cancellationToken).ConfigureAwait(false);
                await SeedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                throw Unavailable(ex);
            }

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
        try
        {
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
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc/>
    public async Task<RouterStoreContents> ApplyAsync(RouterStoreChange change, IModelRouterConfigValidator validator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(validator);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        RouterStoreWrite write;
        try
        {
            write = await WriteAsync(current => RouterStoreChangeApplier.Apply(current, change, validator), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

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

    /// <summary>
    /// Tells whether a database error means the store cannot be reached now (down, refusing connections, busy or locked)
    /// rather than that something is wrong with the data or the schema. Such errors surface as <see cref="RouterStoreUnavailableException"/>.
    /// </summary>
    /// <remarks>By default: a <see cref="DbException"/> the driver marks transient (<see cref="DbException.IsTransient"/>), or a timeout.</remarks>
    protected virtual bool IsUnavailable(Exception exception) => exception is DbException { IsTransient: true } or TimeoutException;

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

    private RouterStoreUnavailableException Unavailable(Exception error)
        => new(StoreName, StoreFailure.Describe(error, _options.ConnectionString), error);

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = CreateCommand(connection, transaction, sql);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
