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
        if (snapshot.IsEmpty)
        {
            // Without this, every caller would hear that its key is wrong when the router has no configuration at all.
            throw new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no configuration: no routers and no apps are configured.");
        }

        app = null;
        if (settings.RequireAppKey && !trustedCaller)
        {
            if (string.IsNullOrEmpty(appKey))
            {
                throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "No app key was given.");
            }

            app = snapshot.Apps.Find(appKey)
                ?? throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "The app key is not valid.");
        }

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

    /// <summary>Cuts a caller's text to 128 characters for a message.</summary>
    public static string Shorten(string text) => text.Length <= 128 ? text : string.Concat(text.AsSpan(0, 128), "…");
}
