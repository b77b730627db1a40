using System.Collections.Concurrent;
using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>
/// The apps' request and token windows, by app name. A window lives as long as the app's limits: when a new
/// configuration changes them, the app's next request gets a new window; an app whose limits did not change keeps its
/// counts.
/// </summary>
internal sealed class AppRateLimits(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, AppLimitWindow> _windows = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts a request of <paramref name="app"/>, refusing it while the app is over a limit.</summary>
    /// <returns>The window the answer's tokens go to, or <see langword="null"/> when the app has no token limit.</returns>
    /// <exception cref="ModelRouterException">429 with <c>Retry-After</c>: the app is over a limit.</exception>
    public AppLimitWindow? Start(AppConfig app)
    {
        if (app.RequestsPerMinute is null && app.TokensPerMinute is null)
        {
            return null;
        }

        if (!_windows.TryGetValue(app.Name, out var window) || !window.Enforces(app))
        {
            window = _windows.AddOrUpdate(
                app.Name,
                static (_, a) => new AppLimitWindow(a.RequestsPerMinute, a.TokensPerMinute),
                static (_, old, a) => old.Enforces(a) ? old : new AppLimitWindow(a.RequestsPerMinute, a.TokensPerMinute),
                app);
        }

        if (!window.TryStart(time.GetUtcNow(), out var retryAfter, out var overTokens))
        {
            var limit = overTokens ? $"{window.TokensPerMinute} tokens per minute" : $"{window.RequestsPerMinute} requests per minute";
            throw new ModelRouterException(ModelRouterErrorKind.RateLimited, $"App '{app.Name}' is over its limit of {limit}; retry later.") { RetryAfter = retryAfter };
        }

        return window.CountsTokens ? window : null;
    }
}
