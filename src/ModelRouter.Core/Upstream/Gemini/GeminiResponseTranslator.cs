using System.Buffers;
using System.Text;
using System.Text.Json;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Gemini;

/// <summary>Translates a Gemini <c>GenerateContentResponse</c> into an OpenAI <c>chat.completion</c>.</summary>
internal static class GeminiResponseTranslator
{
    /// <summary>Translates a response body.</summary>
    /// <param name="utf8Json">The Gemini response.</param>
    /// <param name="model">The model asked for, written when the answer names no <c>modelVersion</c>.</param>
    /// <param name="created">The Unix time written as <c>created</c> (Gemini gives none).</param>
    /// <exception cref="InvalidUpstreamResponseException">The body is not a Gemini response.</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json, string model, long created)
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
                || (root.TryGetProperty("candidates", out var candidates) ? candidates.ValueKind != JsonValueKind.Array : !root.TryGetProperty("promptFeedback", out _)))
            {
                throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a Gemini GenerateContentResponse.");
            }

            var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, GetString(root, "responseId") ?? "");
                writer.WriteString("object"u8, "chat.completion");
                writer.WriteNumber("created"u8, created);
                writer.WriteString("model"u8, GetString(root, "modelVersion") ?? model);
                writer.WriteStartArray("choices"u8);
                if (candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
                {
                    var position = 0;
                    foreach (var candidate in candidates.EnumerateArray())
                    {
                        WriteChoice(writer, candidate, position++, GetString(root, "responseId"));
                    }
                }
                else
                {
                    // The prompt itself was blocked: no candidates, only promptFeedback.blockReason.
                    writer.WriteStartObject();
                    writer.WriteNumber("index"u8, 0);
                    writer.WriteStartObject("message"u8);
                    writer.WriteString("role"u8, "assistant");
                    writer.WriteNull("content"u8);
                    writer.WriteEndObject();
                    writer.WriteNull("logprobs"u8);
                    writer.WriteString("finish_reason"u8, "content_filter");
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                if (root.TryGetProperty("usageMetadata", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    GeminiUsage.From(usage).Write(writer);
                }

                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Maps Gemini's <c>finishReason</c> to OpenAI's <c>finish_reason</c>; a stop with function calls is <c>tool_calls</c>.</summary>
    public static string? MapFinishReason(string? finishReason, bool hasToolCalls) => finishReason switch
    {
        null or "" => null,
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" or "LANGUAGE" => "content_filter",
        _ when hasToolCalls => "tool_calls",
        _ => "stop",
    };

    /// <summary>The OpenAI id of a Gemini function call: its own <c>id</c>, else one made from the answer's id and the call's position.</summary>
    public static string CallId(JsonElement functionCall, string? responseId, int choice, int position)
        => GetString(functionCall, "id") is { Length: > 0 } id ? id
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"call_{responseId}_{choice}_{position}");

    private static void WriteChoice(Utf8JsonWriter writer, JsonElement candidate, int position, string? responseId)
    {
        var index = candidate.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var value) ? value : position;
        var parts = candidate.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("parts", out var p) && p.ValueKind == JsonValueKind.Array ? p : default;
        var text = new StringBuilder();
        var hasText = false;
        var calls = 0;
        if (parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (IsThought(part))
                {
                    continue;
                }

                if (GetString(part, "text") is { } piece)
                {
                    hasText = true;
                    text.Append(piece);
                }
                else if (part.TryGetProperty("functionCall", out _))
                {
                    calls++;
                }
            }
        }

        writer.WriteStartObject();
        writer.WriteNumber("index"u8, index);
        writer.WriteStartObject("message"u8);
        writer.WriteString("role"u8, "assistant");
        if (hasText)
        {
            writer.WriteString("content"u8, text.ToString());
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        if (calls > 0)
        {
            writer.WriteStartArray("tool_calls"u8);
            var call = 0;
            foreach (var part in parts.EnumerateArray())
            {
                if (!part.TryGetProperty("functionCall", out var functionCall) || functionCall.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("id"u8, CallId(functionCall, responseId, index, call++));
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, GetString(functionCall, "name") ?? "");
                writer.WriteString("arguments"u8, functionCall.TryGetProperty("args", out var args) ? Compact(args) : "{}");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        var finish = MapFinishReason(GetString(candidate, "finishReason"), calls > 0);
        if (finish is null)
        {
            writer.WriteNull("finish_reason"u8);
        }
        else
        {
            writer.WriteString("finish_reason"u8, finish);
        }

        writer.WriteEndObject();
    }

    /// <summary>Tells whether a part is the model's thinking, which has no place in a chat completion.</summary>
    public static bool IsThought(JsonElement part)
        => part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True;
}

/// <summary>Token counts of a Gemini answer (<c>usageMetadata</c>), in OpenAI's terms: thinking counts as completion tokens.</summary>
internal readonly record struct GeminiUsage(long PromptTokens, long CandidatesTokens, long ThoughtsTokens, long CachedTokens)
{
    public long CompletionTokens => CandidatesTokens + ThoughtsTokens;

    public static GeminiUsage From(JsonElement usage) => new(
        Get(usage, "promptTokenCount"), Get(usage, "candidatesTokenCount"), Get(usage, "thoughtsTokenCount"), Get(usage, "cachedContentTokenCount"));

    /// <summary>Writes the OpenAI <c>usage</c> property.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, PromptTokens);
        writer.WriteNumber("completion_tokens"u8, CompletionTokens);
        writer.WriteNumber("total_tokens"u8, PromptTokens + CompletionTokens);
        if (CachedTokens > 0)
        {
            writer.WriteStartObject("prompt_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, CachedTokens);
            writer.WriteEndObject();
        }

        if (ThoughtsTokens > 0)
        {
            writer.WriteStartObject("completion_tokens_details"u8);
            writer.WriteNumber("reasoning_tokens"u8, ThoughtsTokens);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static long Get(JsonElement usage, string name)
        => usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : 0;
}
