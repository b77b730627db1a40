using System.Buffers;
using System.Text.Json;

namespace ModelRouter.AspNetCore;

/// <summary>
/// Anthropic's error shape, for the Messages door: <c>{"type":"error","error":{"type","message"}}</c>, the type chosen by
/// the status as Anthropic's API does (<c>invalid_request_error</c>, <c>authentication_error</c>, <c>rate_limit_error</c>...).
/// </summary>
internal static class AnthropicErrorEnvelope
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes the envelope of a router error.</summary>
    public static byte[] ToUtf8Bytes(ModelRouterException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "error");
            writer.WriteStartObject("error"u8);
            writer.WriteString("type"u8, TypeOf(exception.StatusCode));
            writer.WriteString("message"u8, exception.Message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Anthropic's error type for an HTTP status.</summary>
    public static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        504 => "timeout_error",
        < 500 => "invalid_request_error",
        _ => "api_error",
    };
}
