using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>Maps Anthropic's error envelope, <c>{"type":"error","error":{"type","message"}}</c>, to what an OpenAI client expects.</summary>
internal static class AnthropicErrorMapper
{
    /// <summary>Summarises an Anthropic error body; falls back to the OpenAI shape, then to a generic message.</summary>
    /// <remarks>The LLM's secrets are masked in the vendor's words before they are cut to length.</remarks>
    public static UpstreamErrorInfo Map(ReadOnlySpan<byte> body, int statusCode, Model.LlmSnapshot llm)
    {
        if (TryRead(body, out var type, out var message))
        {
            var secrets = llm.Secrets;
            var (openAIType, code) = MapType(type, statusCode);
            return new UpstreamErrorInfo(
                UpstreamHttp.VendorText(message, secrets) ?? $"The vendor rejected the request with status {statusCode}.",
                openAIType,
                null,
                UpstreamHttp.VendorField(code, secrets));
        }

        return UpstreamHttp.ParseOpenAIError(body, statusCode, llm);
    }

    /// <summary>Reads the vendor's error type and message from an Anthropic error envelope.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out string? type, out string? message)
    {
        type = null;
        message = null;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            return TryRead(document.RootElement, out type, out message);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the vendor's error type and message from a parsed Anthropic error envelope.</summary>
    public static bool TryRead(JsonElement root, out string? type, out string? message)
    {
        type = null;
        message = null;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var envelopeType) || !envelopeType.ValueEquals("error")
            || !root.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return true;
    }

    /// <summary>The OpenAI error type, and a code when the type alone loses information, for an Anthropic error type.</summary>
    public static (string Type, string? Code) MapType(string? anthropicType, int statusCode) => anthropicType switch
    {
        "invalid_request_error" => ("invalid_request_error", null),
        "authentication_error" => ("authentication_error", null),
        "permission_error" => ("permission_error", null),
        "not_found_error" => ("not_found_error", null),
        "request_too_large" => ("invalid_request_error", "request_too_large"),
        "rate_limit_error" => ("rate_limit_error", null),
        "billing_error" => ("insufficient_quota", "billing_error"),
        "api_error" => ("server_error", null),
        "overloaded_error" => ("server_error", "overloaded"),
        "timeout_error" => ("server_error", "timeout"),
        null or "" => (UpstreamHttp.DefaultType(statusCode), null),
        _ => (UpstreamHttp.DefaultType(statusCode), anthropicType),
    };
}
