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
    /// <param name="trustedCaller">Whether the host vouches for the caller in code (<see cref="ModelRouterRequest.TrustedCaller"/>): no app key is asked for.</param>
    public static RouterSnapshot Authorize(RoutingSnapshot snapshot, ModelRouterOptions settings, string slug, string? appKey, out AppConfig? app, bool trustedCaller = false)
    {
        app = Authenticate(snapshot, settings, appKey, trustedCaller);
        return FindRouter(snapshot, settings, slug, app);
    }

    /// <summary>Finds the caller's app by its key; <see langword="null"/> when app keys are not required (or the caller is trusted).</summary>
    public static AppConfig? Authenticate(RoutingSnapshot snapshot, ModelRouterOptions settings, string? appKey, bool trustedCaller = false)
    {
        if (snapshot.IsEmpty)
        {
            // Without this, every caller would hear that its key is wrong when the router has no configuration at all.
            throw new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no configuration: no routers and no apps are configured.");
        }

        if (!settings.RequireAppKey || trustedCaller)
        {
            return null;
        }

        if (string.IsNullOrEmpty(appKey))
        {
            throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "No app key was given.");
        }

        return snapshot.Apps.Find(appKey)
            ?? throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "The app key is not valid.");
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

    /// <summary>Cuts a caller's text to 128 characters for a message.</summary>
    public static string Shorten(string text) => text.Length <= 128 ? text : string.Concat(text.AsSpan(0, 128), "…");
}
