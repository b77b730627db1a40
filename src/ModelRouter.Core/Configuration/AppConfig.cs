using System.Text.Json.Serialization;

namespace ModelRouter.Configuration;

/// <summary>A client application allowed to call some routers with its own key.</summary>
/// <remarks>
/// Stores and the router keep only a SHA-256 hash of each key (<see cref="ApiKeyHash"/>). A plaintext
/// <see cref="ApiKey"/> is accepted from configuration (for development) and from an import, and is hashed as it is read.
/// </remarks>
public sealed record AppConfig
{
    /// <summary>Gets or sets the unique app name. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets a plaintext key the app sends as <c>Authorization: Bearer</c>, from configuration; hashed when read, never stored.</summary>
    /// <remarks>At least 8 characters. The admin API generates keys itself (on create and rotate) and refuses one of the caller's.</remarks>
    public string ApiKey { get; init; } = "";

    /// <summary>Gets or sets the hash of the app's key, <c>sha256:</c> and 64 hexadecimal digits.</summary>
    /// <value>The default is <see langword="null"/>: the app has no key (never given, or revoked), so only a host's own authentication can name it.</value>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApiKeyHash { get; init; }

    /// <summary>Gets or sets the hash of the key a rotation replaced, valid until <see cref="PreviousApiKeyExpiresAt"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PreviousApiKeyHash { get; init; }

    /// <summary>Gets or sets when the key a rotation replaced stops being accepted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? PreviousApiKeyExpiresAt { get; init; }

    /// <summary>Gets or sets a value indicating whether the app may call its routers.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Active { get; init; } = true;

    /// <summary>Gets or sets when the app stops being accepted, or <see langword="null"/> for never.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets or sets the slugs of the routers this app may call; <c>*</c> allows every router.</summary>
    public IReadOnlyList<string> Routers { get; init; } = [];

    /// <summary>Gets or sets how many requests the app may start per minute, or <see langword="null"/> for no limit.</summary>
    /// <remarks>Counted in fixed one-minute windows of the router's clock; a request over the limit is refused with 429 and <c>Retry-After</c>.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RequestsPerMinute { get; init; }

    /// <summary>Gets or sets how many tokens (input and output, from each answer's usage) the app may use per minute, or <see langword="null"/> for no limit.</summary>
    /// <remarks>A request that would start while the app's tokens in the current window reach the limit is refused with 429 and <c>Retry-After</c>.</remarks>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TokensPerMinute { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"AppConfig {{ Name = {Name}, ApiKey = ***, Active = {Active}, Routers = [{string.Join(", ", Routers)}] }}";
}
