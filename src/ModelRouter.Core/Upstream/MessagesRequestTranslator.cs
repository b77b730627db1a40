using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>
/// Translates an Anthropic Messages request into an OpenAI chat completion request, for the Messages door in front of an
/// OpenAI-compatible or Azure OpenAI vendor: system prompt, text, images, tools, tool calls and results, limits, stop
/// sequences and streaming (with usage asked for, so that the answer can report it).
/// </summary>
/// <remarks>
/// What has no chat completions counterpart is dropped when it only shapes the answer (<c>thinking</c> blocks and the
/// <c>thinking</c> setting, <c>top_k</c>, <c>cache_control</c>), and refused with a 400 naming the field when dropping it
/// would change what the model is asked (documents, server tools, images inside tool results).
/// </remarks>
internal static class MessagesRequestTranslator
{
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    /// <summary>Translates a Messages body.</summary>
    /// <param name="utf8Json">The client's Messages request (already parsed once: valid JSON with a string <c>model</c>).</param>
    /// <param name="model">The model to send, after mapping.</param>
    /// <exception cref="ModelRouterException">The request uses something chat completions cannot express (400).</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json, string model)
    {
        using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 256 });
        var root = document.RootElement;
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("messages"u8);
            WriteSystem(writer, root);
            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'messages' must be an array.", "messages");
            }

            var index = 0;
            foreach (var message in messages.EnumerateArray())
            {
                WriteMessage(writer, message, index++);
            }

            writer.WriteEndArray();
            WriteNumber(writer, root, "max_tokens", "max_tokens"u8);
            WriteNumber(writer, root, "temperature", "temperature"u8);
            WriteNumber(writer, root, "top_p", "top_p"u8);
            if (root.TryGetProperty("stop_sequences", out var stops) && stops.ValueKind == JsonValueKind.Array)
            {
                writer.WritePropertyName("stop"u8);
                stops.WriteTo(writer);
            }

            if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                writer.WriteBoolean("stream"u8, true);
                writer.WriteStartObject("stream_options"u8);
                writer.WriteBoolean("include_usage"u8, true);
                writer.WriteEndObject();
            }

            if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("user_id", out var user) && user.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("user"u8, user.GetString());
            }

            WriteTools(writer, root);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSystem(Utf8JsonWriter writer, JsonElement root)
    {
        if (!root.TryGetProperty("system", out var system) || system.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        var text = system.ValueKind == JsonValueKind.String ? system.GetString()! : JoinText(system, "system");
        writer.WriteStartObject();
        writer.WriteString("role"u8, "system");
        writer.WriteString("content"u8, text);
        writer.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter writer, JsonElement message, int index)
    {
        var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (role is not ("user" or "assistant"))
        {
            throw Invalid($"messages.{index}.role must be 'user' or 'assistant'.", $"messages.{index}.role");
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw Invalid($"messages.{index}.content must be a string or an array of content blocks.", $"messages.{index}.content");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, role);
            writer.WriteString("content"u8, content.GetString());
            writer.WriteEndObject();
            return;
        }

        if (role == "assistant")
        {
            WriteAssistant(writer, content, index);
        }
        else
        {
            WriteUser(writer, content, index);
        }
    }

    /// <summary>An assistant turn: its text as the content, its <c>tool_use</c> blocks as tool calls; thinking is dropped.</summary>
    private static void WriteAssistant(Utf8JsonWriter writer, JsonElement content, int index)
    {
        var text = new StringBuilder();
        var hasText = false;
        var hasTools = false;
        var block = 0;
        foreach (var item in content.EnumerateArray())
        {
            var type = BlockType(item, index, block++);
            if (type == "text")
            {
                hasText = true;
                text.Append(GetString(item, "text"));
            }
            else if (type == "tool_use")
            {
                hasTools = true;
            }
            else if (type is not ("thinking" or "redacted_thinking"))
            {
                throw Unsupported($"an assistant '{type}' block", $"messages.{index}.content.{block - 1}");
            }
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, "assistant");
        if (hasText || !hasTools)
        {
            writer.WriteString("content"u8, text.ToString());
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        if (hasTools)
        {
            writer.WriteStartArray("tool_calls"u8);
            foreach (var item in content.EnumerateArray())
            {
                if (GetString(item, "type") != "tool_use")
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("id"u8, GetString(item, "id") ?? "");
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, GetString(item, "name") ?? "");
                writer.WriteString("arguments"u8, item.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// A user turn: each <c>tool_result</c> becomes a <c>tool</c> message (first, since they answer the assistant's calls
    /// just before), the text and images one user message after them.
    /// </summary>
    private static void WriteUser(Utf8JsonWriter writer, JsonElement content, int index)
    {
        var parts = 0;
        var onlyText = true;
        var block = 0;
        foreach (var item in content.EnumerateArray())
        {
            var type = BlockType(item, index, block);
            var path = $"messages.{index}.content.{block++}";
            switch (type)
            {
                case "tool_result":
                    writer.WriteStartObject();
                    writer.WriteString("role"u8, "tool");
                    writer.WriteString("tool_call_id"u8, GetString(item, "tool_use_id") ?? "");
                    writer.WriteString("content"u8, ToolResultText(item, path));
                    writer.WriteEndObject();
                    break;
                case "text":
                    parts++;
                    break;
                case "image":
                    parts++;
                    onlyText = false;
                    break;
                default:
                    throw Unsupported($"a user '{type}' block", path);
            }
        }

        if (parts == 0)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, "user");
        if (onlyText && parts == 1)
        {
            foreach (var item in content.EnumerateArray())
            {
                if (GetString(item, "type") == "text")
                {
                    writer.WriteString("content"u8, GetString(item, "text") ?? "");
                }
            }
        }
        else
        {
            writer.WriteStartArray("content"u8);
            block = 0;
            foreach (var item in content.EnumerateArray())
            {
                var type = GetString(item, "type");
                var path = $"messages.{index}.content.{block++}";
                if (type == "text")
                {
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "text");
                    writer.WriteString("text"u8, GetString(item, "text") ?? "");
                    writer.WriteEndObject();
                }
                else if (type == "image")
                {
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "image_url");
                    writer.WriteStartObject("image_url"u8);
                    writer.WriteString("url"u8, ImageUrl(item, path));
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>An image's source as a URL: a <c>data:</c> URL for base64 data, the URL itself for a URL source.</summary>
    private static string ImageUrl(JsonElement image, string path)
    {
        if (!image.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"{path}.source is required for an image.", path + ".source");
        }

        return GetString(source, "type") switch
        {
            "base64" => $"data:{GetString(source, "media_type") ?? "image/png"};base64,{GetString(source, "data")}",
            "url" => GetString(source, "url") ?? throw Invalid($"{path}.source.url is required.", path + ".source.url"),
            var other => throw Unsupported($"an image source of type '{other}'", path + ".source"),
        };
    }

    /// <summary>A tool result's content as text: a string, or its text blocks joined; an error result says so first.</summary>
    private static string ToolResultText(JsonElement result, string path)
    {
        var text = !result.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null
            ? ""
            : content.ValueKind == JsonValueKind.String ? content.GetString()! : JoinText(content, path + ".content");
        return result.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True ? "Error: " + text : text;
    }

    /// <summary>The tools (client tools only) and the tool choice.</summary>
    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        var hasTools = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0;
        if (hasTools)
        {
            writer.WriteStartArray("tools"u8);
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                var type = GetString(tool, "type");
                if (type is not (null or "custom"))
                {
                    throw Unsupported($"the server tool '{type}'", $"tools.{index}");
                }

                writer.WriteStartObject();
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, GetString(tool, "name") ?? throw Invalid($"tools.{index}.name is required.", $"tools.{index}.name"));
                if (GetString(tool, "description") is { } description)
                {
                    writer.WriteString("description"u8, description);
                }

                writer.WritePropertyName("parameters"u8);
                if (tool.TryGetProperty("input_schema", out var schema) && schema.ValueKind == JsonValueKind.Object)
                {
                    schema.WriteTo(writer);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "object");
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
                index++;
            }

            writer.WriteEndArray();
        }

        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        switch (GetString(choice, "type"))
        {
            case "auto":
                writer.WriteString("tool_choice"u8, "auto");
                break;
            case "any":
                writer.WriteString("tool_choice"u8, "required");
                break;
            case "none":
                writer.WriteString("tool_choice"u8, "none");
                break;
            case "tool":
                writer.WriteStartObject("tool_choice"u8);
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, GetString(choice, "name") ?? "");
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
        }

        if (hasTools && choice.TryGetProperty("disable_parallel_tool_use", out var serial) && serial.ValueKind == JsonValueKind.True)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, false);
        }
    }

    private static string JoinText(JsonElement blocks, string path)
    {
        if (blocks.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'{path}' must be a string or an array of text blocks.", path);
        }

        var text = new StringBuilder();
        var index = 0;
        foreach (var block in blocks.EnumerateArray())
        {
            var type = GetString(block, "type");
            if (type != "text")
            {
                throw Unsupported($"a '{type}' block", $"{path}.{index}");
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(GetString(block, "text"));
            index++;
        }

        return text.ToString();
    }

    private static string BlockType(JsonElement block, int message, int index)
        => block.ValueKind == JsonValueKind.Object ? GetString(block, "type") ?? "" : throw Invalid($"messages.{message}.content.{index} must be a content block.", $"messages.{message}.content.{index}");

    private static void WriteNumber(Utf8JsonWriter writer, JsonElement root, string name, ReadOnlySpan<byte> target)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName(target);
            value.WriteTo(writer);
        }
    }

    private static string? GetString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ModelRouterException Unsupported(string what, string param)
        => Invalid($"The request has {what}, which an OpenAI-compatible vendor cannot take.", param);

    private static ModelRouterException Invalid(string message, string? param)
        => new(ModelRouterErrorKind.InvalidRequest, message) { Param = param };
}
