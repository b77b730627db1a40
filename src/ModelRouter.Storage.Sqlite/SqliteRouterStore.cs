using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ModelRouter.Storage.Sqlite;

/// <summary>
/// A store in one SQLite database file: WAL journal, <c>synchronous=FULL</c> (a change is on disk when
/// <see cref="SqlRouterStore.ApplyAsync"/> returns), writers serialized by <c>BEGIN IMMEDIATE</c>, <c>secure_delete</c>
/// on (the old content of a rewritten or deleted row is overwritten, not left in free pages).
/// </summary>
/// <remarks>
/// Changes made through this instance are signalled at once; changes made by another process on the same file are
/// picked up by the periodic resync (<see cref="SqlRouterStoreOptions.ResyncInterval"/>).
/// </remarks>
internal sealed class SqliteRouterStore : SqlRouterStore
{
    // Primary result codes of SQLite (https://sqlite.org/rescode.html); extended codes carry them in the low byte.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCannotOpen = 14;

    /// <summary>Creates the store; nothing is opened until first use.</summary>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public SqliteRouterStore(SqlRouterStoreOptions options, ILogger<SqliteRouterStore>? logger = null)
        : base(options, logger)
    {
    }

    /// <inheritdoc/>
    protected override string StoreName => "sqlite";

    /// <inheritdoc/>
    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(Options.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pragma = CreateCommand(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA secure_delete=ON;");
            await using (pragma.ConfigureAwait(false))
            {
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Busy or locked (another process holds the write lock past the busy timeout) and cannot open (the file or its folder is not there or not accessible).</remarks>
    protected override bool IsUnavailable(Exception exception)
        => exception is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) is SqliteBusy or SqliteLocked or SqliteCannotOpen
            || base.IsUnavailable(exception);

    /// <inheritdoc/>
    /// <remarks>Copies the log into the database and empties it, so that the old versions of the rewritten rows leave the log file too.</remarks>
    protected override async ValueTask OnSecretsRewrittenAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var checkpoint = CreateCommand(connection, null, "PRAGMA wal_checkpoint(TRUNCATE);");
        await using (checkpoint.ConfigureAwait(false))
        {
            await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    protected override ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken cancellationToken)
        => new(((SqliteConnection)connection).BeginTransaction(deferred: true));

    /// <inheritdoc/>
    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool schemaExists, CancellationToken cancellationToken)
        => new(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
