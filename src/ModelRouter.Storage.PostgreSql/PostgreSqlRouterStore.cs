using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ModelRouter.Storage.PostgreSql;

/// <summary>
/// A store in a PostgreSQL database shared by many instances. Writers are serialized by a transaction-scoped advisory
/// lock; each committed change sends <c>NOTIFY modelrouter_changes</c>, which every instance listens for, and a periodic
/// resync catches anything a lost connection missed.
/// </summary>
internal sealed class PostgreSqlRouterStore : SqlRouterStore
{
    /// <summary>The notification channel.</summary>
    public const string Channel = "modelrouter_changes";

    // An arbitrary constant that names this store's advisory lock.
    private const long LockKey = 0x4D6F64656C52;

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates the store; nothing is opened until first use.</summary>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public PostgreSqlRouterStore(SqlRouterStoreOptions options, ILogger<PostgreSqlRouterStore>? logger = null)
        : base(options, logger)
    {
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
    }

    /// <inheritdoc/>
    protected override string StoreName => "postgres";

    /// <inheritdoc/>
    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    /// <remarks>
    /// Npgsql marks as transient every network failure (refused, reset, timed out) and the server's own "try later"
    /// states: shutting down, starting up, too many connections, out of resources.
    /// </remarks>
    protected override bool IsUnavailable(Exception exception)
        => exception is NpgsqlException { IsTransient: true } || base.IsUnavailable(exception);

    /// <inheritdoc/>
    protected override async ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken)
        => await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool schemaExists, CancellationToken cancellationToken)
    {
        var transaction = await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            // Read committed: every statement after the lock sees what the previous writer committed.
            var command = CreateCommand(connection, transaction, "SELECT pg_advisory_xact_lock(@key)");
            await using (command.ConfigureAwait(false))
            {
                AddParameter(command, "@key", LockKey);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask OnWrittenAsync(DbConnection connection, DbTransaction transaction, long revision, CancellationToken cancellationToken)
    {
        // Delivered to every listener when the transaction commits, never before.
        var command = CreateCommand(connection, transaction, "SELECT pg_notify(@channel, @payload)");
        await using (command.ConfigureAwait(false))
        {
            AddParameter(command, "@channel", Channel);
            AddParameter(command, "@payload", revision.ToString(CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    protected override async Task WatchAsync(CancellationToken cancellationToken)
    {
        var resync = Options.ResyncInterval is { } interval && interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(30);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var listen = CreateCommand(connection, null, "LISTEN " + Channel);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    // Catch up on whatever happened while we were not listening.
                    await ResyncAsync(cancellationToken).ConfigureAwait(false);
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        // Returns on a notification or after the resync interval; either way compare revisions.
                        await connection.WaitAsync(resync, cancellationToken).ConfigureAwait(false);
                        await ResyncAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                StoreLog(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask DisposeCoreAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
    }

    private void StoreLog(Exception error) => PostgreSqlLog.ListenFailed(Logger, error);
}

/// <summary>Source-generated log messages of the PostgreSQL store.</summary>
internal static partial class PostgreSqlLog
{
    [LoggerMessage(EventId = 1510, EventName = "PostgreSqlListenFailed", Level = LogLevel.Warning,
        Message = "ModelRouter PostgreSQL store lost its LISTEN connection; reconnecting in 1 second. The periodic resync keeps routing current.")]
    public static partial void ListenFailed(ILogger logger, Exception error);
}
