using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>Who may call which router: the app-key rules every face of a router applies (chat completions, the model list).</summary>
internal static class RouterAccess
{
    /// <summary>Authenticates the caller and finds the router it may call; throws <see cref="ModelRouterException"/> on any refusal.</summary>
    /// <param name="snapshot">The configuration in use.</param>
    /// <param name="settings">The host settings (app keys required or not, this instance's namespace).</param>
    /// <param name="slug">The router asked for.</param>
    /// <param name="appKey">The caller's app key, if it sent one.</param>
    /// <param name="app">The caller's app, or <see langword="null"/> when app keys are not required.</param>
    /// <param name="time">The clock that decides whether an app or a replaced key has expired.</param>
    /// <param name="trustedCaller">Whether the host vouches for the caller in code (<see cref="ModelRouterRequest.TrustedCaller"/>): no app key is asked for.</param>
    /// <param name="appName">The app the host authenticated the caller as (<see cref="ModelRouterRequest.AppName"/>), if any: its permissions apply whether app keys are required or not.</param>
    public static RouterSnapshot Authorize(
        RoutingSnapshot snapshot, ModelRouterOptions settings, string slug, string? appKey, TimeProvider time, out AppConfig? app, bool trustedCaller = false, string? appName = null)
    {
        app = ResolveApp(snapshot, settings, appKey, time, trustedCaller, appName);
        return FindRouter(snapshot, settings, slug, app);
    }

    /// <summary>
    /// Finds the caller's app: the one the host signed it in as, else the one its key names; <see langword="null"/> when app
    /// keys are not required (or the caller is trusted) and the host named none.
    /// </summary>
    /// <exception cref="ModelRouterException">Nothing is configured (503), or the key or the app is not accepted (401/403).</exception>
    public static AppConfig? ResolveApp(
        RoutingSnapshot snapshot, ModelRouterOptions settings, string? appKey, TimeProvider time, bool trustedCaller = false, string? appName = null)
    {
        if (snapshot.IsEmpty)
        {
            // Without this, every caller would hear that its key is wrong when the router has no configuration at all.
            throw new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no configuration: no routers and no apps are configured.");
        }

        if (!string.IsNullOrEmpty(appName))
        {
            var named = snapshot.Apps.FindByName(appName)
                ?? throw new ModelRouterException(ModelRouterErrorKind.Forbidden, $"The app '{Shorten(appName)}' the caller signed in as is not configured.");
            CheckApp(named, time);
            return named;
        }

        return settings.RequireAppKey && !trustedCaller ? Authenticate(snapshot, appKey, time) : null;
    }

    /// <summary>Finds router <paramref name="slug"/> for <paramref name="app"/> (<see langword="null"/>: any router served here).</summary>
    public static RouterSnapshot FindRouter(RoutingSnapshot snapshot, ModelRouterOptions settings, string slug, AppConfig? app)
    {
        if (!snapshot.TryGetRouter(slug, out var router) || !router.Config.Active || !router.IsServedIn(settings.Namespace))
        {
            throw new ModelRouterException(ModelRouterErrorKind.RouterNotFound, $"No active router '{Shorten(slug)}' is served here.");
        }

        if (app is not null && !AppKeyIndex.Allows(app, slug))
        {
            throw new ModelRouterException(ModelRouterErrorKind.Forbidden, $"The app '{app.Name}' may not call router '{slug}'.");
        }

        return router;
    }

    /// <summary>Tells whether <paramref name="app"/> may call <paramref name="router"/> and it is served here.</summary>
    public static bool MayCall(RouterSnapshot router, ModelRouterOptions settings, AppConfig? app)
        => router.Config.Active && router.IsServedIn(settings.Namespace) && (app is null || AppKeyIndex.Allows(app, router.Slug));

    /// <summary>Finds the app whose key was presented, refusing a missing, unknown, revoked or expired key and an inactive or expired app.</summary>
    /// <exception cref="ModelRouterException">401 or 403: the key or the app is not accepted.</exception>
    public static AppConfig Authenticate(RoutingSnapshot snapshot, string? appKey, TimeProvider time)
    {
        if (string.IsNullOrEmpty(appKey))
        {
            throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "No app key was given.");
        }

        var match = snapshot.Apps.Find(appKey) ?? throw InvalidKey();
        var app = match.App;

        // The key a rotation replaced is accepted until its grace period ends; then it is as unknown as any other.
        if (match.Previous && (app.PreviousApiKeyExpiresAt is not { } until || time.GetUtcNow() >= until))
        {
            throw InvalidKey();
        }

        CheckApp(app, time);
        return app;

        static ModelRouterException InvalidKey() => new(ModelRouterErrorKind.Unauthorized, "The app key is not valid.");
    }

    /// <summary>Refuses an inactive app (403) and an app past its expiry (401).</summary>
    private static void CheckApp(AppConfig app, TimeProvider time)
    {
        if (!app.Active)
        {
            throw new ModelRouterException(ModelRouterErrorKind.Forbidden, $"The app '{app.Name}' is inactive.");
        }

        if (app.ExpiresAt is { } expiresAt && time.GetUtcNow() >= expiresAt)
        {
            throw new ModelRouterException(ModelRouterErrorKind.Unauthorized,
                $"The app '{app.Name}' expired at {expiresAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>Cuts a caller's text to 128 characters for a message.</summary>
    public static string Shorten(string text) => text.Length <= 128 ? text : string.Concat(text.AsSpan(0, 128), "…");
}
