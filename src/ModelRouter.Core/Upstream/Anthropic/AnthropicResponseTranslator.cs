using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>Translates an Anthropic Messages response into an OpenAI <c>chat.completion</c>.</summary>
internal static class AnthropicResponseTranslator
{
    /// <summary>Translates a response body.</summary>
    /// <param name="utf8Json">The Anthropic response.</param>
    /// <param name="created">The Unix time written as <c>created</c> (Anthropic gives none).</param>
    /// <exception cref="InvalidUpstreamResponseException">The body is not an Anthropic message.</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json, long created)
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
                || !root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array
                || (root.TryGetProperty("type", out var type) && !type.ValueEquals("message")))
            {
                throw new InvalidUpstreamResponseException("The vendor answered with a body that is not an Anthropic message.");
            }

            var text = new StringBuilder();
            var hasText = false;
            foreach (var block in content.EnumerateArray())
            {
                if (GetString(block, "type") == "text")
                {
                    hasText = true;
                    text.Append(GetString(block, "text"));
                }
            }

            var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer, AnthropicRequestTranslator.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, GetString(root, "id") ?? "");
                writer.WriteString("object"u8, "chat.completion");
                writer.WriteNumber("created"u8, created);
                writer.WriteString("model"u8, GetString(root, "model") ?? "");
                writer.WriteStartArray("choices"u8);
                writer.WriteStartObject();
                writer.WriteNumber("index"u8, 0);
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

                WriteToolCalls(writer, content);
                writer.WriteEndObject();
                writer.WriteNull("logprobs"u8);
                WriteFinishReason(writer, GetString(root, "stop_reason"));
                writer.WriteEndObject();
                writer.WriteEndArray();
                if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    var tokens = AnthropicUsage.From(usage);
                    tokens.Write(writer);
                }

                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Maps Anthropic's <c>stop_reason</c> to OpenAI's <c>finish_reason</c>.</summary>
    public static string? MapStopReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" or "pause_turn" => "stop",
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    internal static string? GetString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteFinishReason(Utf8JsonWriter writer, string? stopReason)
    {
        var finish = MapStopReason(stopReason);
        if (finish is null)
        {
            writer.WriteNull("finish_reason"u8);
        }
        else
        {
            writer.WriteString("finish_reason"u8, finish);
        }
    }

    /// <summary>Writes a JSON value without the vendor's white space, as OpenAI's <c>arguments</c> string.</summary>
    private static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, AnthropicRequestTranslator.WriterOptions))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteToolCalls(Utf8JsonWriter writer, JsonElement content)
    {
        var started = false;
        foreach (var block in content.EnumerateArray())
        {
            if (GetString(block, "type") != "tool_use")
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartArray("tool_calls"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("id"u8, GetString(block, "id") ?? "");
            writer.WriteString("type"u8, "function");
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, GetString(block, "name") ?? "");
            writer.WriteString("arguments"u8, block.TryGetProperty("input", out var input) ? Compact(input) : "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }
}

/// <summary>Token counts of an Anthropic answer, in OpenAI's terms: prompt tokens include cache reads and writes.</summary>
internal record struct AnthropicUsage(long InputTokens, long OutputTokens, long CacheReadTokens, long CacheCreationTokens)
{
    public readonly long PromptTokens => InputTokens + CacheReadTokens + CacheCreationTokens;

    public static AnthropicUsage From(JsonElement usage)
    {
        var result = default(AnthropicUsage);
        result.Update(usage);
        return result;
    }

    /// <summary>Takes the counts present in <paramref name="usage"/>; absent ones keep their value (stream deltas are cumulative).</summary>
    public void Update(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        Update(new AnthropicUsageCounts(
            Get(usage, "input_tokens"), Get(usage, "output_tokens"), Get(usage, "cache_read_input_tokens"), Get(usage, "cache_creation_input_tokens")));
    }

    /// <summary>Takes the counts present in <paramref name="counts"/>; absent ones keep their value.</summary>
    public void Update(AnthropicUsageCounts counts)
    {
        InputTokens = counts.InputTokens ?? InputTokens;
        OutputTokens = counts.OutputTokens ?? OutputTokens;
        CacheReadTokens = counts.CacheReadTokens ?? CacheReadTokens;
        CacheCreationTokens = counts.CacheCreationTokens ?? CacheCreationTokens;
    }

    /// <summary>Writes the OpenAI <c>usage</c> property.</summary>
    public readonly void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, PromptTokens);
        writer.WriteNumber("completion_tokens"u8, OutputTokens);
        writer.WriteNumber("total_tokens"u8, PromptTokens + OutputTokens);
        if (CacheReadTokens > 0)
        {
            writer.WriteStartObject("prompt_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, CacheReadTokens);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static long? Get(JsonElement usage, string name)
        => usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : null;
}

/// <summary>The token counts one Anthropic <c>usage</c> object gives; those absent, or not 64-bit integers, are null.</summary>
internal readonly record struct AnthropicUsageCounts(long? InputTokens, long? OutputTokens, long? CacheReadTokens, long? CacheCreationTokens);
