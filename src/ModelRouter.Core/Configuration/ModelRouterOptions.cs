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

    /// <summary>Gets or sets the largest non-streamed vendor response accepted, and the largest single event of a vendor's stream, in bytes.</summary>
    /// <value>The default is 16 MiB.</value>
    public int MaxResponseBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Gets or sets the deepest JSON nesting accepted in a request body.</summary>
    /// <value>The default is 64.</value>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>Gets or sets how many failures in a row (with no success within <see cref="BreakerSamplingSeconds"/>) open a vendor's circuit breaker.</summary>
    /// <value>The default is 3; at least 2.</value>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>Gets or sets how long an open breaker, or a failed half-open trial, keeps a vendor out, in seconds.</summary>
    /// <value>The default is 30.</value>
    public double CooldownSeconds { get; set; } = 30;

    /// <summary>Gets or sets the window the circuit breaker counts failures in, in seconds.</summary>
    /// <value>The default is 60.</value>
    public double BreakerSamplingSeconds { get; set; } = 60;

    /// <summary>Gets or sets the longest cooldown a vendor's <c>Retry-After</c> can ask for, in seconds.</summary>
    /// <value>The default is 60.</value>
    public double MaxRetryAfterSeconds { get; set; } = 60;

    /// <summary>Gets or sets how long a vendor that rejected the router's own credentials stays out, in seconds.</summary>
    /// <value>The default is 300.</value>
    public double CredentialCooldownSeconds { get; set; } = 300;

    /// <summary>Gets or sets the first wait, in seconds, before the store is tried again when it did not answer at start.</summary>
    /// <value>The default is 1. Later waits grow exponentially, with jitter, up to <see cref="StoreRetryMaxDelaySeconds"/>.</value>
    public double StoreRetryDelaySeconds { get; set; } = 1;

    /// <summary>Gets or sets the longest wait, in seconds, between two tries of a store that did not answer at start.</summary>
    /// <value>The default is 30.</value>
    public double StoreRetryMaxDelaySeconds { get; set; } = 30;

    /// <summary>
    /// Gets the hosts LLM base URLs may point at: host names or IP literals, and <c>*.example.com</c> for every subdomain
    /// of example.com (not example.com itself). Checked when an LLM is saved and again when a connection is opened.
    /// </summary>
    /// <value>The default is empty: any host (subject to <see cref="AllowLinkLocalUpstreams"/> and <see cref="AllowLoopbackUpstreams"/>).</value>
    public IList<string> AllowedUpstreamHosts { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether LLMs may point at link-local addresses (169.254.0.0/16, fe80::/10) and cloud
    /// metadata endpoints (fd00:ec2::254, 100.100.100.200, metadata.google.internal and the like).
    /// </summary>
    /// <value>The default is <see langword="false"/>: such a base URL is refused when saved, and a host name resolving to such an address is refused when connecting.</value>
    public bool AllowLinkLocalUpstreams { get; set; }

    /// <summary>Gets or sets a value indicating whether LLMs may point at loopback addresses (127.0.0.0/8, ::1), such as a model served on the same machine.</summary>
    /// <value>The default is <see langword="true"/>. Turn it off where nothing on the router's own machine should receive a vendor key.</value>
    public bool AllowLoopbackUpstreams { get; set; } = true;

    /// <summary>Gets or sets the claim type that names the caller's app on a principal the host signed in (its own JWT or cookie), and on the one the app-key scheme makes.</summary>
    /// <value>The default is <see cref="ModelRouterClaimTypes.App"/>. The app it names is served under its own rules (active, expiry, routers), with or without <see cref="RequireAppKey"/>.</value>
    public string AppClaimType { get; set; } = ModelRouterClaimTypes.App;

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
