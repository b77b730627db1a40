using Microsoft.AspNetCore.Authentication;

namespace ModelRouter.AspNetCore;

/// <summary>Options of the app-key authentication scheme (<see cref="ModelRouterAuthenticationDefaults.AppKeyScheme"/>).</summary>
/// <remarks>The app's name goes on the principal as its name and as the claim <c>ModelRouter:appClaimType</c> names; the key never does.</remarks>
public sealed class AppKeyAuthenticationOptions : AuthenticationSchemeOptions
{
}
