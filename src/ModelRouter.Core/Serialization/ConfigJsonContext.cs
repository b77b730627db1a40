using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelRouter.Configuration;

namespace ModelRouter.Serialization;

/// <summary>
/// The one JSON context of the configuration: the records in their file shape (camelCase, names case-insensitive) as
/// stores write them and the admin API answers, the documents that admin bodies and stored rows are read into
/// (<see cref="ConfigDocuments"/>), and the admin API's page and problem bodies.
/// </summary>
/// <remarks>
/// Unknown fields are skipped here: a stored row written by a later version still reads. Admin bodies are strict
/// before they get here: the admin API checks every field of a body against these shapes first and lists every unknown one.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(LlmConfig))]
[JsonSerializable(typeof(RouterConfig))]
[JsonSerializable(typeof(AppConfig))]
[JsonSerializable(typeof(ModelRouterConfig))]
[JsonSerializable(typeof(LlmDocument))]
[JsonSerializable(typeof(RouterDocument))]
[JsonSerializable(typeof(AppDocument))]
[JsonSerializable(typeof(ConfigDocument))]
[JsonSerializable(typeof(List<HeaderDocument?>))]
[JsonSerializable(typeof(AdminPage<LlmConfig>))]
[JsonSerializable(typeof(AdminPage<RouterConfig>))]
[JsonSerializable(typeof(AdminPage<AppConfig>))]
[JsonSerializable(typeof(AdminProblem))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext
{
    /// <summary>Gets the context the admin API writes with: apostrophes and angle brackets as they are, since these bodies are API JSON, never HTML.</summary>
    public static ConfigJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>One page of an admin API list: the items in configuration shape, where the page starts and how many there are in all.</summary>
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
