using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Routing;

namespace ModelRouter.AspNetCore;

/// <summary>
/// Lets a host's own ASP.NET Core rate limiting (<c>AddRateLimiter</c>, <c>RequireRateLimiting</c>) count per app, and
/// answer a refusal as the router does.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddRateLimiter(o =>
/// {
///     o.OnRejected = ModelRouterRateLimiting.OnRejected;
///     o.AddPolicy("per-app", context => ModelRouterRateLimiting.ByApp(context, _ => new FixedWindowRateLimiter(
///         new FixedWindowRateLimiterOptions { PermitLimit = 100, Window = TimeSpan.FromMinutes(1) })));
/// });
/// app.UseRateLimiter();
/// app.MapModelRouter().RequireRateLimiting("per-app");
/// </code>
/// </example>
public static class ModelRouterRateLimiting
{
    /// <summary>The partition of requests whose key names no app (no key, or an unknown one: the router refuses them with 401).</summary>
    public const string NoApp = "";

    /// <summary>
    /// Gets an answer for <c>RateLimiterOptions.OnRejected</c>: 429 in the OpenAI envelope (<c>rate_limit_error</c>,
    /// <c>rate_limit_exceeded</c>) with <c>Retry-After</c> when the limiter tells how long to wait, instead of an empty 429.
    /// </summary>
    public static Func<OnRejectedContext, CancellationToken, ValueTask> OnRejected { get; } = (context, _) => RejectAsync(context);

    /// <summary>Gets the partition of a request: the app its key belongs to, found as the router finds it, or <see cref="NoApp"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="limiter">Creates the limiter of an app (by name) the first time the app is seen.</param>
    public static RateLimitPartition<string> ByApp(HttpContext context, Func<string, RateLimiter> limiter)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(limiter);
        return RateLimitPartition.Get(AppName(context) ?? NoApp, limiter);
    }

    /// <summary>The name of the app whose key (current or, during a rotation, previous) the request sends, or <see langword="null"/>.</summary>
    internal static string? AppName(HttpContext context)
    {
        var key = RouterRequestReader.ReadBearer(context.Request);
        return string.IsNullOrEmpty(key)
            ? null
            : context.RequestServices.GetService<RoutingSnapshotProvider>()?.Current?.Apps.Find(key)?.App.Name;
    }

    private static ValueTask RejectAsync(OnRejectedContext context)
    {
        TimeSpan? retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
        var error = new ModelRouterException(ModelRouterErrorKind.RateLimited, "Too many requests from this app; retry later.") { RetryAfter = retryAfter };
        return new ValueTask(RouterErrorWriter.WriteErrorAsync(context.HttpContext, error));
    }
}
