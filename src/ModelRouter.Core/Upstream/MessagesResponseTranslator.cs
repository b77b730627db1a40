using System.Buffers;
using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>Translates an OpenAI <c>chat.completion</c> into an Anthropic Messages answer, for the Messages door.</summary>
internal static class MessagesResponseTranslator
{
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 256,
    };

    /// <summary>Translates a response body.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The body is not a chat completion, or a tool call's arguments are not a JSON object.</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor answered with a body that is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || !choices[0].TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a chat completion.");
            }

            var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, MessageId(GetString(root, "id")));
                writer.WriteString("type"u8, "message");
                writer.WriteString("role"u8, "assistant");
                writer.WriteString("model"u8, GetString(root, "model") ?? "");
                writer.WriteStartArray("content"u8);
                if (GetString(message, "content") is { Length: > 0 } text)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "text");
                    writer.WriteString("text"u8, text);
                    writer.WriteEndObject();
                }

                if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        WriteToolUse(writer, call);
                    }
                }

                writer.WriteEndArray();
                writer.WriteString("stop_reason"u8, StopReason(GetString(choices[0], "finish_reason")));
                writer.WriteNull("stop_sequence"u8);
                var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? ChatUsage.From(u) : default;
                usage.Write(writer);
                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>OpenAI's <c>finish_reason</c> as Anthropic's <c>stop_reason</c>.</summary>
    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>The answer's id; Anthropic ids start with <c>msg_</c>, so the vendor's id keeps its text behind that prefix.</summary>
    public static string MessageId(string? id) => string.IsNullOrEmpty(id) ? "msg_router" : id.StartsWith("msg_", StringComparison.Ordinal) ? id : "msg_" + id;

    private static void WriteToolUse(Utf8JsonWriter writer, JsonElement call)
    {
        if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_use");
        writer.WriteString("id"u8, GetString(call, "id") ?? "");
        writer.WriteString("name"u8, GetString(function, "name") ?? "");
        writer.WritePropertyName("input"u8);
        WriteArguments(writer, GetString(function, "arguments"));
        writer.WriteEndObject();
    }

    /// <summary>Writes a tool call's arguments (a JSON text) as the <c>input</c> object; none is an empty object.</summary>
    internal static void WriteArguments(Utf8JsonWriter writer, string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using var input = JsonDocument.Parse(arguments);
            if (input.RootElement.ValueKind == JsonValueKind.Object)
            {
                input.RootElement.WriteTo(writer);
                return;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new InvalidUpstreamResponseException("The vendor answered with tool call arguments that are not a JSON object.");
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>OpenAI's token counts in Anthropic's terms: cached prompt tokens are cache reads, the rest input tokens.</summary>
internal record struct ChatUsage(long PromptTokens, long CompletionTokens, long CachedTokens)
{
    public readonly long InputTokens => Math.Max(0, PromptTokens - CachedTokens);

    public static ChatUsage From(JsonElement usage)
    {
        var cached = usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
            && details.TryGetProperty("cached_tokens", out var c) && c.TryGetInt64(out var n) ? n : 0;
        return new ChatUsage(Count(usage, "prompt_tokens"), Count(usage, "completion_tokens"), cached);
    }

    /// <summary>Writes <c>"usage":{...}</c> as Anthropic does.</summary>
    public readonly void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, InputTokens);
        writer.WriteNumber("cache_creation_input_tokens"u8, 0);
        writer.WriteNumber("cache_read_input_tokens"u8, CachedTokens);
        writer.WriteNumber("output_tokens"u8, CompletionTokens);
        writer.WriteEndObject();
    }

    private static long Count(JsonElement usage, string name)
        => usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var count) ? count : 0;
}
