using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelRouter.AspNetCore;

/// <summary>The OpenAI error envelope the endpoint writes: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record OpenAIErrorEnvelope
{
    /// <summary>Gets or sets the error.</summary>
    public OpenAIError Error { get; init; } = new();

    /// <summary>Serializes the envelope of a router error.</summary>
    public static byte[] ToUtf8Bytes(ModelRouterException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return ToUtf8Bytes(exception.Message, exception.ErrorType, exception.Param, exception.ErrorCode);
    }

    /// <summary>Serializes an envelope.</summary>
    public static byte[] ToUtf8Bytes(string message, string type, string? param, string? code)
        => JsonSerializer.SerializeToUtf8Bytes(
            new OpenAIErrorEnvelope { Error = new OpenAIError { Message = message, Type = type, Param = param, Code = code } },
            OpenAIErrorJsonContext.Relaxed.OpenAIErrorEnvelope);
}

/// <summary>The body of an OpenAI error.</summary>
internal sealed record OpenAIError
{
    /// <summary>Gets or sets the human-readable message.</summary>
    public string Message { get; init; } = "";

    /// <summary>Gets or sets the error type, for example <c>invalid_request_error</c>.</summary>
    public string Type { get; init; } = "";

    /// <summary>Gets or sets the request field at fault.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Param { get; init; }

    /// <summary>Gets or sets the machine-readable code.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Code { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OpenAIErrorEnvelope))]
internal sealed partial class OpenAIErrorJsonContext : JsonSerializerContext
{
    /// <summary>Gets a context that writes apostrophes and angle brackets as they are: these bodies are API JSON, never HTML.</summary>
    public static OpenAIErrorJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
