using System.Buffers;
using System.Text.Json;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>
/// Translates an OpenAI chat completion request into a Bedrock Converse request: system and developer messages into
/// <c>system</c>, turns into <c>messages</c> (consecutive blocks of one role merged), images into <c>image</c> blocks, tools
/// into <c>toolConfig</c> (<c>toolSpec</c>), tool calls into <c>toolUse</c> and tool results into <c>toolResult</c>, sampling
/// into <c>inferenceConfig</c>. Fields Bedrock cannot honour are refused with a 400 that names them.
/// </summary>
internal static class BedrockRequestTranslator
{
    private const string Vendor = "Bedrock";

    /// <summary>Translates a request body.</summary>
    /// <exception cref="ModelRouterException">The request uses something Bedrock cannot honour, or is malformed (400).</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 1024 });
        var root = document.RootElement;
        RejectUnsupported(root);

        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteMessages(writer, root);
            WriteSystem(writer, root);
            WriteInferenceConfig(writer, root);
            WriteToolConfig(writer, root);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void RejectUnsupported(JsonElement root)
    {
        if (TryGet(root, "n", out var n) && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count != 1))
        {
            throw Unsupported("'n' other than 1 (several choices)", "n", Vendor);
        }

        if (TryGet(root, "logprobs", out var logprobs) && logprobs.ValueKind != JsonValueKind.False)
        {
            throw Unsupported("'logprobs'", "logprobs", Vendor);
        }

        if (TryGet(root, "logit_bias", out var bias) && !(bias.ValueKind == JsonValueKind.Object && !bias.EnumerateObject().Any()))
        {
            throw Unsupported("'logit_bias'", "logit_bias", Vendor);
        }

        foreach (var penalty in (ReadOnlySpan<string>)["presence_penalty", "frequency_penalty"])
        {
            if (TryGet(root, penalty, out var value) && !(value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0))
            {
                throw Unsupported($"'{penalty}'", penalty, Vendor);
            }
        }

        if (TryGet(root, "response_format", out var format) && GetString(format, "type") != "text")
        {
            throw Unsupported("'response_format' other than text (JSON mode, JSON schema)", "response_format", Vendor);
        }

        foreach (var name in (ReadOnlySpan<string>)["top_logprobs", "audio", "prediction", "functions", "function_call", "reasoning_effort", "web_search_options", "modalities"])
        {
            if (TryGet(root, name, out var value) && !(name == "modalities" && value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(m => m.ValueEquals("text"))))
            {
                throw Unsupported($"'{name}'", name, Vendor);
            }
        }
    }

    private static void WriteSystem(Utf8JsonWriter writer, JsonElement root)
    {
        var messages = GetMessages(root);
        var started = false;
        for (var i = 0; i < messages.GetArrayLength(); i++)
        {
            var message = messages[i];
            if (GetRole(message, i) is not ("system" or "developer"))
            {
                continue;
            }

            if (!message.TryGetProperty("content", out var content))
            {
                throw Invalid($"messages[{i}] has no 'content'.", $"messages[{i}].content");
            }

            foreach (var text in ReadTextParts(content, $"messages[{i}].content"))
            {
                if (text.Length == 0)
                {
                    continue;
                }

                if (!started)
                {
                    writer.WriteStartArray("system"u8);
                    started = true;
                }

                WriteTextBlock(writer, text);
            }
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }

    private static void WriteMessages(Utf8JsonWriter writer, JsonElement root)
    {
        var messages = GetMessages(root);
        var turn = new TurnWriter(writer);
        writer.WriteStartArray("messages"u8);
        for (var i = 0; i < messages.GetArrayLength(); i++)
        {
            var message = messages[i];
            var path = $"messages[{i}]";
            switch (GetRole(message, i))
            {
                case "system" or "developer":
                    break;
                case "user":
                    WriteUser(turn, message, path);
                    break;
                case "assistant":
                    WriteAssistant(turn, message, path);
                    break;
                case "tool":
                    WriteToolResult(turn, message, path);
                    break;
                case var other:
                    throw Invalid($"{path}: role '{other}' is not supported by this vendor; use system, developer, user, assistant or tool.", $"{path}.role");
            }
        }

        turn.Close();
        writer.WriteEndArray();
    }

    private static void WriteUser(TurnWriter turn, JsonElement message, string path)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            throw Invalid($"{path} has no 'content'.", $"{path}.content");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            if (content.GetString() is { Length: > 0 } text)
            {
                WriteTextBlock(turn.Block("user"), text);
            }

            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{path}.content must be a string or an array of content parts.", $"{path}.content");
        }

        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}.content[{index++}]";
            switch (GetString(part, "type"))
            {
                case "text":
                    if (GetRequiredString(part, "text", partPath) is { Length: > 0 } text)
                    {
                        WriteTextBlock(turn.Block("user"), text);
                    }

                    break;
                case "image_url":
                    WriteImageBlock(turn.Block("user"), GetImageUrl(part, partPath), partPath);
                    break;
                case var type:
                    throw Invalid($"{partPath}: content part type '{type}' is not supported by this vendor; use text or image_url.", partPath);
            }
        }
    }

    private static void WriteImageBlock(Utf8JsonWriter writer, string url, string path)
    {
        if (!TryParseDataUrl(url, path, out var mediaType, out var data))
        {
            throw Invalid($"{path}: this vendor (Bedrock) takes images only as base64 data URLs ('data:image/png;base64,...').", $"{path}.image_url.url");
        }

        var format = mediaType switch
        {
            "image/png" => "png",
            "image/jpeg" or "image/jpg" => "jpeg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            _ => throw Invalid($"{path}: image type '{mediaType}' is not supported by this vendor; use png, jpeg, gif or webp.", $"{path}.image_url.url"),
        };
        writer.WriteStartObject();
        writer.WriteStartObject("image"u8);
        writer.WriteString("format"u8, format);
        writer.WriteStartObject("source"u8);
        writer.WriteString("bytes"u8, data.Span);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteAssistant(TurnWriter turn, JsonElement message, string path)
    {
        if (message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null)
        {
            foreach (var text in ReadTextParts(content, $"{path}.content", allowRefusal: true))
            {
                if (text.Length > 0)
                {
                    WriteTextBlock(turn.Block("assistant"), text);
                }
            }
        }

        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{path}.tool_calls must be an array.", $"{path}.tool_calls");
        }

        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callPath = $"{path}.tool_calls[{index++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{callPath}: only function tool calls are supported by this vendor.", callPath);
            }

            var writer = turn.Block("assistant");
            writer.WriteStartObject();
            writer.WriteStartObject("toolUse"u8);
            writer.WriteString("toolUseId"u8, GetRequiredString(call, "id", callPath));
            writer.WriteString("name"u8, GetRequiredString(function, "name", $"{callPath}.function"));
            writer.WritePropertyName("input"u8);
            WriteArguments(writer, GetString(function, "arguments") ?? "", $"{callPath}.function.arguments");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteToolResult(TurnWriter turn, JsonElement message, string path)
    {
        var id = GetRequiredString(message, "tool_call_id", path);
        var texts = message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null
            ? ReadTextParts(content, $"{path}.content")
            : [];
        var writer = turn.Block("user");
        writer.WriteStartObject();
        writer.WriteStartObject("toolResult"u8);
        writer.WriteString("toolUseId"u8, id);
        writer.WriteStartArray("content"u8);
        foreach (var text in texts)
        {
            WriteTextBlock(writer, text);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteInferenceConfig(Utf8JsonWriter writer, JsonElement root)
    {
        var started = false;
        Utf8JsonWriter Config()
        {
            if (!started)
            {
                writer.WriteStartObject("inferenceConfig"u8);
                started = true;
            }

            return writer;
        }

        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var tokens) || tokens < 1)
                {
                    throw Invalid($"'{name}' must be a positive integer.", name);
                }

                Config().WriteNumber("maxTokens"u8, tokens);
                break;
            }
        }

        foreach (var (name, bedrockName) in (ReadOnlySpan<(string, string)>)[("temperature", "temperature"), ("top_p", "topP")])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    throw Invalid($"'{name}' must be a number.", name);
                }

                Config().WritePropertyName(bedrockName);
                value.WriteTo(writer);
            }
        }

        if (TryGet(root, "stop", out var stop))
        {
            Config().WriteStartArray("stopSequences"u8);
            if (stop.ValueKind == JsonValueKind.String)
            {
                writer.WriteStringValue(stop.GetString());
            }
            else if (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
            {
                foreach (var sequence in stop.EnumerateArray())
                {
                    writer.WriteStringValue(sequence.GetString());
                }
            }
            else
            {
                throw Invalid("'stop' must be a string or an array of strings.", "stop");
            }

            writer.WriteEndArray();
        }

        if (started)
        {
            writer.WriteEndObject();
        }
    }

    private static void WriteToolConfig(Utf8JsonWriter writer, JsonElement root)
    {
        var hasTools = TryGet(root, "tools", out var tools);
        if (hasTools && tools.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'tools' must be an array.", "tools");
        }

        var hasChoice = TryGet(root, "tool_choice", out var choice);
        if (hasChoice && choice.ValueKind == JsonValueKind.String && choice.ValueEquals("none"))
        {
            throw Unsupported("'tool_choice' none", "tool_choice", Vendor);
        }

        if (!hasTools || tools.GetArrayLength() == 0)
        {
            return;
        }

        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartArray("tools"u8);
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || !type.ValueEquals("function")
                || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{path}: only function tools are supported by this vendor.", path);
            }

            writer.WriteStartObject();
            writer.WriteStartObject("toolSpec"u8);
            writer.WriteString("name"u8, GetRequiredString(function, "name", $"{path}.function"));
            if (GetString(function, "description") is { } description)
            {
                writer.WriteString("description"u8, description);
            }

            writer.WriteStartObject("inputSchema"u8);
            writer.WritePropertyName("json"u8);
            if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                parameters.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "object");
                writer.WriteStartObject("properties"u8);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (hasChoice)
        {
            writer.WriteStartObject("toolChoice"u8);
            if (choice.ValueKind == JsonValueKind.String && choice.GetString() is "auto" or "required")
            {
                writer.WriteStartObject(choice.ValueEquals("auto") ? "auto"u8 : "any"u8);
                writer.WriteEndObject();
            }
            else if (choice.ValueKind == JsonValueKind.Object && GetString(choice, "type") == "function"
                && choice.TryGetProperty("function", out var named) && named.ValueKind == JsonValueKind.Object)
            {
                writer.WriteStartObject("tool"u8);
                writer.WriteString("name"u8, GetRequiredString(named, "name", "tool_choice.function"));
                writer.WriteEndObject();
            }
            else
            {
                throw Invalid("'tool_choice' is not supported by this vendor; use auto, required or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteTextBlock(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>Writes content blocks into Converse turns, merging consecutive blocks of the same role into one turn.</summary>
    private sealed class TurnWriter(Utf8JsonWriter writer)
    {
        private string? _role;

        public Utf8JsonWriter Block(string role)
        {
            if (_role != role)
            {
                Close();
                writer.WriteStartObject();
                writer.WriteString("role"u8, role);
                writer.WriteStartArray("content"u8);
                _role = role;
            }

            return writer;
        }

        public void Close()
        {
            if (_role is not null)
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                _role = null;
            }
        }
    }
}
