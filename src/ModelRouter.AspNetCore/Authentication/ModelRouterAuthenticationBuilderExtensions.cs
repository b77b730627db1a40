using Microsoft.AspNetCore.Authentication;
using ModelRouter.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the router's authentication schemes to a host's authentication.</summary>
public static class ModelRouterAuthenticationBuilderExtensions
{
    /// <summary>
    /// Adds the app-key scheme (<see cref="ModelRouterAuthenticationDefaults.AppKeyScheme"/>): a request with
    /// <c>Authorization: Bearer {app key}</c> is signed in as its app (the principal's name and the app claim), so that
    /// host policies can require it next to the host's own schemes. The router's endpoints serve the app named by the
    /// principal without looking at the key again.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static AuthenticationBuilder AddModelRouterAppKey(this AuthenticationBuilder builder, Action<AppKeyAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<AppKeyAuthenticationOptions, AppKeyAuthenticationHandler>(ModelRouterAuthenticationDefaults.AppKeyScheme, configure);
    }
}
