using Microsoft.Extensions.Logging;

namespace ModelRouter.Storage;

/// <summary>Source-generated log messages of the stores (ids 15xx, configuration range).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1501, EventName = "StoreSeeded", Level = LogLevel.Information,
        Message = "ModelRouter store {Store} was empty and has been seeded from configuration: {RouterCount} routers, {LlmCount} LLMs, {AppCount} apps.")]
    public static partial void StoreSeeded(ILogger logger, string store, int routerCount, int llmCount, int appCount);

    [LoggerMessage(EventId = 1502, EventName = "StoreSeedSkipped", Level = LogLevel.Information,
        Message = "ModelRouter store {Store} already holds managed data (revision {Revision}); the routers, LLMs and apps of the configuration file are NOT applied. Change them through the admin API, or import them.")]
    public static partial void StoreSeedSkipped(ILogger logger, string store, long revision);

    [LoggerMessage(EventId = 1503, EventName = "StoreChanged", Level = LogLevel.Information,
        Message = "ModelRouter store {Store}: {Change} {ItemKind} '{Key}' applied as revision {Revision}.")]
    public static partial void StoreChanged(ILogger logger, string store, RouterStoreChangeKind change, RouterStoreItemKind itemKind, string key, long revision);

    [LoggerMessage(EventId = 1504, EventName = "StoreWatchFailed", Level = LogLevel.Warning,
        Message = "ModelRouter store {Store} lost its change feed; retrying. Changes still arrive through the periodic resync.")]
    public static partial void StoreWatchFailed(ILogger logger, string store, Exception error);

    [LoggerMessage(EventId = 1505, EventName = "StoreSchemaMigrated", Level = LogLevel.Information,
        Message = "ModelRouter store {Store}: schema migrated to version {Version}.")]
    public static partial void StoreSchemaMigrated(ILogger logger, string store, int version);

    [LoggerMessage(EventId = 1506, EventName = "StoreSecretsRewritten", Level = LogLevel.Information,
        Message = "ModelRouter store {Store}: {Count} stored items held keys in the clear; they now hold them hashed or encrypted.")]
    public static partial void StoreSecretsRewritten(ILogger logger, string store, int count);
}
