namespace ModelRouter.AspNetCore.Admin;

/// <summary>Settings of the admin API mapped by <c>MapModelRouterAdmin</c>.</summary>
public sealed class ModelRouterAdminOptions
{
    /// <summary>Gets or sets a value indicating whether every admin request must carry <c>Authorization: Bearer {adminApiKey}</c>.</summary>
    /// <value>
    /// The default is <see langword="true"/>. Set it to <see langword="false"/> only when the host secures the returned
    /// endpoint group itself, for example with <c>RequireAuthorization(...)</c>.
    /// </value>
    public bool RequireAdminApiKey { get; set; } = true;
}
