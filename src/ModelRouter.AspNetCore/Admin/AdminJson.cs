using System.Text.Json;
using System.Text.Json.Serialization;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>One page of a list: the items in configuration shape, where the page starts and how many there are in all.</summary>
internal sealed record AdminPage<T>
{
    public IReadOnlyList<T> Items { get; init; } = [];

    public int Offset { get; init; }

    public int Limit { get; init; }

    public int Total { get; init; }
}

/// <summary>An RFC 9457 problem document; for 400, <see cref="Errors"/> holds every error keyed by field path, as ASP.NET's ValidationProblemDetails does.</summary>
internal sealed record AdminProblem
{
    public string Type { get; init; } = "about:blank";

    public string Title { get; init; } = "";

    public int Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ReferencedBy { get; init; }
}

/// <summary>The admin API's JSON: the configuration records in camelCase, unknown fields refused so that typos surface.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LlmConfig))]
[JsonSerializable(typeof(RouterConfig))]
[JsonSerializable(typeof(AppConfig))]
[JsonSerializable(typeof(ModelRouterConfig))]
[JsonSerializable(typeof(AdminPage<LlmConfig>))]
[JsonSerializable(typeof(AdminPage<RouterConfig>))]
[JsonSerializable(typeof(AdminPage<AppConfig>))]
[JsonSerializable(typeof(AdminProblem))]
internal sealed partial class AdminJsonContext : JsonSerializerContext
{
    /// <summary>Gets a context that writes apostrophes and angle brackets as they are: these bodies are API JSON, never HTML.</summary>
    public static AdminJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    });
}
