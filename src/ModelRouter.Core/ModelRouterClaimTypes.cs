namespace ModelRouter;

/// <summary>Claim types the router reads from, and its authentication schemes put on, the caller's principal.</summary>
public static class ModelRouterClaimTypes
{
    /// <summary>The name of the app the caller is (never its key): the default of <c>ModelRouter:appClaimType</c>.</summary>
    public const string App = "modelrouter:app";
}
