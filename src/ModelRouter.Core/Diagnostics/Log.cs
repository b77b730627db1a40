using Microsoft.Extensions.Logging;

namespace ModelRouter.Diagnostics;

/// <summary>Source-generated log messages. Ids: 1xxx configuration, 2xxx routing, 3xxx upstream.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, EventName = "ConfigurationApplied", Level = LogLevel.Information,
        Message = "ModelRouter configuration revision {Revision} applied: {RouterCount} routers, {LlmCount} LLMs, {AppCount} apps.")]
    public static partial void ConfigurationApplied(ILogger logger, string revision, int routerCount, int llmCount, int appCount);

    [LoggerMessage(EventId = 1002, EventName = "ConfigurationRejected", Level = LogLevel.Error,
        Message = "ModelRouter configuration revision {Revision} was rejected; the last good configuration stays in use. Problems: {Errors}")]
    public static partial void ConfigurationRejected(ILogger logger, string revision, string errors);

    [LoggerMessage(EventId = 1003, EventName = "ConfigurationLoadFailed", Level = LogLevel.Error,
        Message = "ModelRouter could not load its configuration; the last good configuration stays in use.")]
    public static partial void ConfigurationLoadFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 1004, EventName = "ConfigurationEmptyRefused", Level = LogLevel.Warning,
        Message = "ModelRouter configuration revision {Revision} has no routers and no apps and was refused, so that a renamed or cut-down section " +
            "does not take every router down; the last good configuration ({RouterCount} routers, {AppCount} apps) stays in use. " +
            "Set ModelRouter:allowEmpty to true to empty it on purpose.")]
    public static partial void ConfigurationEmptyRefused(ILogger logger, string revision, int routerCount, int appCount);

    [LoggerMessage(EventId = 1005, EventName = "StoreUnavailableAtStart", Level = LogLevel.Warning,
        Message = "ModelRouter store {Store} is unavailable ({Reason}); try {Attempt} failed, the next in {RetryDelaySeconds:0.###} s. " +
            "Until it answers, requests get 503 and the health check reports unhealthy.")]
    public static partial void StoreUnavailableAtStart(ILogger logger, string store, string reason, int attempt, double retryDelaySeconds);

    [LoggerMessage(EventId = 1006, EventName = "StartupLoadFailed", Level = LogLevel.Critical,
        Message = "ModelRouter could not load its configuration once its store answered; the host is stopping.")]
    public static partial void StartupLoadFailed(ILogger logger, Exception error);
    [LoggerMessage(EventId = 1007, EventName = "SettingsRejected", Level = LogLevel.Warning,
        Message = "ModelRouter host settings were changed to invalid values; the last good settings stay in use. Problems: {Errors}")]
    public static partial void SettingsRejected(ILogger logger, string errors);

    [LoggerMessage(EventId = 1008, EventName = "ConfigurationEmpty", Level = LogLevel.Warning,
        Message = "ModelRouter has nothing to serve: {Source}. Requests get 503 not_configured until routers and apps are configured.")]
    public static partial void ConfigurationEmpty(ILogger logger, string source);

    [LoggerMessage(EventId = 1009, EventName = "ConfigurationWarning", Level = LogLevel.Warning,
        Message = "ModelRouter configuration revision {Revision}: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string revision, string warning);

    [LoggerMessage(EventId = 2001, EventName = "VendorSelected", Level = LogLevel.Debug,
        Message = "Router {RouterSlug} pool {Pool}: attempt {Attempt} goes to LLM {Llm} as model {Model}.")]
    public static partial void VendorSelected(ILogger logger, string routerSlug, string pool, int attempt, string llm, string model);

    [LoggerMessage(EventId = 2002, EventName = "ObserverFailed", Level = LogLevel.Warning,
        Message = "Usage observer {Observer} failed on a record; the request it describes was not affected.")]
    public static partial void ObserverFailed(ILogger logger, string observer, Exception error);

    [LoggerMessage(EventId = 3001, EventName = "VendorFailedOver", Level = LogLevel.Warning,
        Message = "LLM {Llm} failed for router {RouterSlug} pool {Pool} ({Reason}); trying the next vendor.")]
    public static partial void VendorFailedOver(ILogger logger, string llm, string routerSlug, string pool, string reason);

    [LoggerMessage(EventId = 3002, EventName = "AllVendorsFailed", Level = LogLevel.Error,
        Message = "Every vendor tried for router {RouterSlug} pool {Pool} failed ({Attempts} attempts); the last: {Llm} ({Reason}).")]
    public static partial void AllVendorsFailed(ILogger logger, string routerSlug, string pool, int attempts, string llm, string reason);

    [LoggerMessage(EventId = 3004, EventName = "PoolFellBack", Level = LogLevel.Warning,
        Message = "Router {RouterSlug}: the request leaves pool {Pool} for its fallback pool {Fallback}.")]
    public static partial void PoolFellBack(ILogger logger, string routerSlug, string pool, string fallback);

    [LoggerMessage(EventId = 3003, EventName = "LlmCredentialsRejected", Level = LogLevel.Warning,
        Message = "LLM {Llm} rejected the router's credentials with status {StatusCode}; check its apiKey.")]
    public static partial void LlmCredentialsRejected(ILogger logger, string llm, int statusCode);
}
