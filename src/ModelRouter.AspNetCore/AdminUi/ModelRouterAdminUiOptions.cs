namespace ModelRouter.AspNetCore.AdminUi;

/// <summary>Settings of the admin UI mapped by <c>MapModelRouterAdminUi</c>.</summary>
public sealed class ModelRouterAdminUiOptions
{
    /// <summary>Gets or sets the path prefix of the admin API the UI talks to, as passed to <c>MapModelRouterAdmin</c>.</summary>
    /// <value>The default is <c>/admin</c>.</value>
    public string AdminApiPath { get; set; } = "/admin";

    /// <summary>Gets or sets the path prefix of the chat endpoint, as passed to <c>MapModelRouter</c>, for the UI's test prompts.</summary>
    /// <value>The default is <c>/router</c>.</value>
    public string RouterPath { get; set; } = "/router";
}
