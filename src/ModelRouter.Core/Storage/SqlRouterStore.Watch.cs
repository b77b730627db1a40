using System.Data.Common;

namespace ModelRouter.Storage;

/// <content>Change notification: watching for changes made by other instances, and the periodic resync that heals a missed one.</content>
internal abstract partial class SqlRouterStore
{
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
}
