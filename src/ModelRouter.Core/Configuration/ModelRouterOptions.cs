namespace ModelRouter.Configuration;

/// <summary>Host-wide settings of the router, bound from the <c>ModelRouter</c> configuration section.</summary>
public sealed class ModelRouterOptions
{
    /// <summary>Gets or sets the namespace of this instance; routers limited to other namespaces are not served.</summary>
    /// <value>The default is the empty string.</value>
    public string Namespace { get; set; } = "";

    /// <summary>Gets or sets a value indicating whether callers must present an app key.</summary>
    /// <value>The default is <see langword="true"/>. Turn it off only when the host authenticates callers itself.</value>
    public bool RequireAppKey { get; set; } = true;

    /// <summary>Gets or sets the largest request body accepted, in bytes.</summary>
    /// <value>The default is 4 MiB.</value>
    public int MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Gets or sets the largest non-streamed vendor response accepted, in bytes.</summary>
    /// <value>The default is 16 MiB.</value>
    public int MaxResponseBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Gets or sets the deepest JSON nesting accepted in a request body.</summary>
    /// <value>The default is 64.</value>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>Gets or sets the key the admin API requires as <c>Authorization: Bearer</c>; never logged.</summary>
    /// <value>The default is <see langword="null"/>: the admin API refuses every request until a key is set or the host opts out.</value>
    public string? AdminApiKey { get; set; }

    /// <summary>Gets the LLMs, when configuring from code with <c>AddModelRouter(o =&gt; ...)</c>; ignored when a configuration section is bound.</summary>
    public IList<LlmConfig> Llms { get; } = [];

    /// <summary>Gets the routers, when configuring from code; ignored when a configuration section is bound.</summary>
    public IList<RouterConfig> Routers { get; } = [];

    /// <summary>Gets the client apps, when configuring from code; ignored when a configuration section is bound.</summary>
    public IList<AppConfig> Apps { get; } = [];
}
