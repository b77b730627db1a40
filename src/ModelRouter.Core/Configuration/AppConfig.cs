namespace ModelRouter.Configuration;

/// <summary>A client application allowed to call some routers with its own key.</summary>
public sealed record AppConfig
{
    /// <summary>Gets or sets the unique app name. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets the key the app sends as <c>Authorization: Bearer</c>. Required.</summary>
    public string ApiKey { get; init; } = "";

    /// <summary>Gets or sets the slugs of the routers this app may call; <c>*</c> allows every router.</summary>
    public IReadOnlyList<string> Routers { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"AppConfig {{ Name = {Name}, ApiKey = ***, Routers = [{string.Join(", ", Routers)}] }}";
}
