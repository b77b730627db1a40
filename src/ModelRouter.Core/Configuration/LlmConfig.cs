namespace ModelRouter.Configuration;

/// <summary>An LLM endpoint that vendors of a pool reference by <see cref="Id"/>.</summary>
public sealed record LlmConfig
{
    internal const double DefaultConnectTimeoutSeconds = 10;

    /// <summary>Gets or sets the unique identifier vendors use to reference this LLM. Required.</summary>
    public string Id { get; init; } = "";

    /// <summary>Gets or sets the provider kind that decides the wire protocol.</summary>
    /// <value>The default is <c>openai</c> (<see cref="ProviderKinds.OpenAI"/>).</value>
    public string Provider { get; init; } = ProviderKinds.OpenAI;

    /// <summary>Gets or sets the absolute http(s) base URL, for example <c>https://api.openai.com/v1</c>. Required.</summary>
    public string BaseUrl { get; init; } = "";

    /// <summary>Gets or sets the API key sent to the vendor. Optional: local servers need none.</summary>
    /// <remarks>Never returned by <see cref="ToString"/>, never logged.</remarks>
    public string? ApiKey { get; init; }

    /// <summary>Gets or sets the API version, used by providers that need one (Azure OpenAI, Anthropic).</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Gets or sets the AWS region (<c>bedrock</c>), for example <c>us-east-1</c>.</summary>
    /// <value>The default is none: <c>AWS_REGION</c> (or <c>AWS_DEFAULT_REGION</c>), else the region in <see cref="BaseUrl"/>'s host.</value>
    public string? Region { get; init; }

    /// <summary>Gets or sets the AWS access key id (<c>bedrock</c>); <see cref="ApiKey"/> then holds its secret access key.</summary>
    /// <value>The default is none: the credentials come from <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c>.</value>
    public string? AccessKeyId { get; init; }

    /// <summary>Gets or sets extra headers sent with every request to this LLM (for example <c>OpenAI-Organization</c>).</summary>
    /// <remarks>
    /// The validator refuses headers the router sets itself (the key's header such as <c>Authorization</c>,
    /// <c>anthropic-version</c>, <c>Host</c>, <c>Content-*</c>, framing and connection headers), names that are not
    /// HTTP tokens and values with control or non-ASCII characters.
    /// </remarks>
    public IReadOnlyList<HeaderConfig> Headers { get; init; } = [];

    /// <summary>Gets or sets how long to wait for a new TCP connection to this LLM, in seconds.</summary>
    /// <value>The default is 10.</value>
    public double ConnectTimeoutSeconds { get; init; } = DefaultConnectTimeoutSeconds;

    /// <summary>Gets or sets how long to wait for the response headers of one attempt, in seconds.</summary>
    /// <value>The default is 100.</value>
    public double TimeoutSeconds { get; init; } = 100;

    /// <summary>Gets or sets the longest silence allowed between two chunks of a streamed response, in seconds.</summary>
    /// <value>The default is 60.</value>
    public double StreamIdleTimeoutSeconds { get; init; } = 60;

    /// <summary>Gets or sets the <c>max_tokens</c> sent to providers that require one when the client gave none.</summary>
    public int? DefaultMaxTokens { get; init; }

    /// <inheritdoc/>
    public override string ToString()
        => $"LlmConfig {{ Id = {Id}, Provider = {Provider}, BaseUrl = {BaseUrl}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "(none)" : "***")} }}";
}
