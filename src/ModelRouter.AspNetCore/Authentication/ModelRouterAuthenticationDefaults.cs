namespace ModelRouter.AspNetCore;

/// <summary>The names of the router's ASP.NET Core authentication schemes.</summary>
public static class ModelRouterAuthenticationDefaults
{
    /// <summary>The scheme that authenticates a client app by its key (<c>Authorization: Bearer</c>): <c>AddModelRouterAppKey()</c>.</summary>
    public const string AppKeyScheme = "ModelRouterAppKey";
}
