using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ModelRouter.Configuration;

namespace ModelRouter.Serialization;

/// <summary>
/// Reads configuration JSON (admin bodies, stored rows) with the source-generated deserializer into documents whose
/// fields are all nullable, which each normalise into their record in one step: a field the JSON leaves out, or sets to
/// <see langword="null"/>, gets the record's default; an item of a list that is <see langword="null"/> becomes a default
/// item, so the validator still names it by its index.
/// </summary>
/// <remarks>
/// Reading the records directly would lose their defaults: the generated code builds an init-only record in one object
/// initializer and gives every absent property zero or <see langword="null"/> (dotnet/runtime#84484), so a row written
/// before a field existed would read as weight 0 or a timeout of 0 seconds. The documents have the records' JSON names,
/// which a test holds them to.
/// </remarks>
internal static class ConfigDocuments
{
    /// <summary>Reads a document from UTF-8 JSON.</summary>
    /// <exception cref="JsonException">The JSON is malformed, <see langword="null"/>, or a value has the wrong kind; the exception's path names the field.</exception>
    public static T Read<T>(ReadOnlySpan<byte> utf8, JsonTypeInfo<T> document)
        where T : class
        => JsonSerializer.Deserialize(utf8, document) ?? throw new JsonException("The document is null; it must be a JSON object.");

    /// <inheritdoc cref="Read{T}(ReadOnlySpan{byte}, JsonTypeInfo{T})"/>
    public static T Read<T>(ReadOnlySpan<char> json, JsonTypeInfo<T> document)
        where T : class
        => JsonSerializer.Deserialize(json, document) ?? throw new JsonException("The document is null; it must be a JSON object.");

    /// <summary>Gets the field a deserialization error is at, in the admin API's path form (<c>pools[0].vendors[1].weight</c>), or empty for the whole document.</summary>
    public static string FieldOf(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var path = error.Path ?? "$";
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    internal static IReadOnlyList<TConfig> ToConfigs<TDocument, TConfig>(List<TDocument?>? documents, Func<TDocument, TConfig> toConfig)
        where TDocument : class, new()
    {
        if (documents is null || documents.Count == 0)
        {
            return [];
        }

        var configs = new TConfig[documents.Count];
        for (var i = 0; i < configs.Length; i++)
        {
            configs[i] = toConfig(documents[i] ?? new TDocument());
        }

        return configs;
    }

    internal static IReadOnlyList<string> ToStrings(List<string?>? values)
        => values is null || values.Count == 0 ? [] : [.. values.OfType<string>()];
}

/// <summary>A whole configuration as an import body carries it.</summary>
internal sealed class ConfigDocument
{
    /// <summary>Gets or sets the revision an export carries; an import ignores it.</summary>
    public string? Revision { get; set; }

    public List<LlmDocument?>? Llms { get; set; }

    public List<RouterDocument?>? Routers { get; set; }

    public List<AppDocument?>? Apps { get; set; }

    public ModelRouterConfig ToConfig() => new()
    {
        Llms = ConfigDocuments.ToConfigs(Llms, l => l.ToConfig()),
        Routers = ConfigDocuments.ToConfigs(Routers, r => r.ToConfig()),
        Apps = ConfigDocuments.ToConfigs(Apps, a => a.ToConfig()),
    };
}

/// <summary>The document of an <see cref="LlmConfig"/>.</summary>
internal sealed class LlmDocument
{
    private static readonly LlmConfig s_defaults = new();

    public string? Id { get; set; }

    public string? Provider { get; set; }

    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    public string? ApiVersion { get; set; }

    public string? Region { get; set; }

    public string? AccessKeyId { get; set; }

    /// <summary>Gets or sets the headers: a list of name/value objects, or an object of header names to values.</summary>
    [JsonConverter(typeof(HeaderDocumentsConverter))]
    public List<HeaderDocument?>? Headers { get; set; }

    public double? ConnectTimeoutSeconds { get; set; }

    public double? TimeoutSeconds { get; set; }

    public double? StreamIdleTimeoutSeconds { get; set; }

    public int? DefaultMaxTokens { get; set; }

    public LlmConfig ToConfig() => new()
    {
        Id = Id ?? s_defaults.Id,
        Provider = Provider ?? s_defaults.Provider,
        BaseUrl = BaseUrl ?? s_defaults.BaseUrl,
        ApiKey = ApiKey,
        ApiVersion = ApiVersion,
        Region = Region,
        AccessKeyId = AccessKeyId,
        Headers = ConfigDocuments.ToConfigs(Headers, h => h.ToConfig()),
        ConnectTimeoutSeconds = ConnectTimeoutSeconds ?? s_defaults.ConnectTimeoutSeconds,
        TimeoutSeconds = TimeoutSeconds ?? s_defaults.TimeoutSeconds,
        StreamIdleTimeoutSeconds = StreamIdleTimeoutSeconds ?? s_defaults.StreamIdleTimeoutSeconds,
        DefaultMaxTokens = DefaultMaxTokens,
    };
}

/// <summary>The document of a <see cref="HeaderConfig"/>.</summary>
internal sealed class HeaderDocument
{
    public string? Name { get; set; }

    public string? Value { get; set; }

    public HeaderConfig ToConfig() => new() { Name = Name ?? "", Value = Value ?? "" };
}

/// <summary>The document of a <see cref="RouterConfig"/>.</summary>
internal sealed class RouterDocument
{
    private static readonly RouterConfig s_defaults = new();

    public string? Slug { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public bool? Active { get; set; }

    public List<string?>? Namespaces { get; set; }

    public double? RequestTimeoutSeconds { get; set; }

    public List<PoolDocument?>? Pools { get; set; }

    public RouterConfig ToConfig() => new()
    {
        Slug = Slug ?? s_defaults.Slug,
        Name = Name ?? s_defaults.Name,
        Description = Description ?? s_defaults.Description,
        Active = Active ?? s_defaults.Active,
        Namespaces = ConfigDocuments.ToStrings(Namespaces),
        RequestTimeoutSeconds = RequestTimeoutSeconds,
        Pools = ConfigDocuments.ToConfigs(Pools, p => p.ToConfig()),
    };
}

/// <summary>The document of a <see cref="PoolConfig"/>.</summary>
internal sealed class PoolDocument
{
    private static readonly PoolConfig s_defaults = new();

    public string? Name { get; set; }

    public string? ModelPattern { get; set; }

    public string? Algorithm { get; set; }

    public int? Priority { get; set; }

    public int? MaxAttempts { get; set; }

    public List<int>? FailoverStatusCodes { get; set; }

    public List<string?>? Fallbacks { get; set; }

    public List<string?>? ContextWindowFallbacks { get; set; }

    public List<VendorDocument?>? Vendors { get; set; }

    public PoolConfig ToConfig() => new()
    {
        Name = Name ?? s_defaults.Name,
        ModelPattern = ModelPattern ?? s_defaults.ModelPattern,
        Algorithm = Algorithm ?? s_defaults.Algorithm,
        Priority = Priority ?? s_defaults.Priority,
        MaxAttempts = MaxAttempts,
        FailoverStatusCodes = FailoverStatusCodes,
        Fallbacks = ConfigDocuments.ToStrings(Fallbacks),
        ContextWindowFallbacks = ConfigDocuments.ToStrings(ContextWindowFallbacks),
        Vendors = ConfigDocuments.ToConfigs(Vendors, v => v.ToConfig()),
    };
}

/// <summary>The document of a <see cref="VendorConfig"/>.</summary>
internal sealed class VendorDocument
{
    private static readonly VendorConfig s_defaults = new();

    public string? Llm { get; set; }

    public int? Weight { get; set; }

    public bool? Active { get; set; }

    public List<ModelMappingDocument?>? ModelMappings { get; set; }

    public VendorConfig ToConfig() => new()
    {
        Llm = Llm ?? s_defaults.Llm,
        Weight = Weight ?? s_defaults.Weight,
        Active = Active ?? s_defaults.Active,
        ModelMappings = ConfigDocuments.ToConfigs(ModelMappings, m => m.ToConfig()),
    };
}

/// <summary>The document of a <see cref="ModelMappingConfig"/>.</summary>
internal sealed class ModelMappingDocument
{
    public string? Source { get; set; }

    public string? Target { get; set; }

    public ModelMappingConfig ToConfig() => new() { Source = Source ?? "", Target = Target ?? "" };
}

/// <summary>The document of an <see cref="AppConfig"/>.</summary>
internal sealed class AppDocument
{
    public string? Name { get; set; }

    public string? ApiKey { get; set; }

    public string? ApiKeyHash { get; set; }

    public string? PreviousApiKeyHash { get; set; }

    public DateTimeOffset? PreviousApiKeyExpiresAt { get; set; }

    public bool? Active { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public List<string?>? Routers { get; set; }

    public int? RequestsPerMinute { get; set; }

    public int? TokensPerMinute { get; set; }

    public AppConfig ToConfig() => new()
    {
        Name = Name ?? "",
        ApiKey = ApiKey ?? "",
        ApiKeyHash = ApiKeyHash,
        PreviousApiKeyHash = PreviousApiKeyHash,
        PreviousApiKeyExpiresAt = PreviousApiKeyExpiresAt,
        Active = Active ?? true,
        ExpiresAt = ExpiresAt,
        Routers = ConfigDocuments.ToStrings(Routers),
        RequestsPerMinute = RequestsPerMinute,
        TokensPerMinute = TokensPerMinute,
    };
}

/// <summary>Reads LLM headers written as a list of name/value objects or, as configuration files may, as an object of names to values.</summary>
internal sealed class HeaderDocumentsConverter : JsonConverter<List<HeaderDocument?>>
{
    public override List<HeaderDocument?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return JsonSerializer.Deserialize(ref reader, ListInfo(options));
        }

        var headers = new List<HeaderDocument?>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
            {
                throw new JsonException($"The value of header '{name}' must be a string.");
            }

            headers.Add(new HeaderDocument { Name = name, Value = reader.GetString() });
        }

        return headers;
    }

    public override void Write(Utf8JsonWriter writer, List<HeaderDocument?> value, JsonSerializerOptions options)
        => JsonSerializer.Serialize(writer, value, ListInfo(options));

    private static JsonTypeInfo<List<HeaderDocument?>> ListInfo(JsonSerializerOptions options)
        => (JsonTypeInfo<List<HeaderDocument?>>)options.GetTypeInfo(typeof(List<HeaderDocument?>));
}
