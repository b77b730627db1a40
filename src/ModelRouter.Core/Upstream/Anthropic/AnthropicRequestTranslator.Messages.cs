using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>User, assistant and tool turns: the message part of the OpenAI to Anthropic request translation.</summary>
internal static partial class AnthropicRequestTranslator
{
    private static void WriteUserContent(TurnWriter turn, JsonElement message, string path)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            throw Invalid($"{path} has no 'content'.", $"{path}.content");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            var text = content.GetString()!;
            if (text.Length > 0)
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
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "text":
                    var text = GetRequiredString(part, "text", partPath);
                    if (text.Length > 0)
                    {
                        WriteTextBlock(turn.Block("user"), text);
                    }

                    break;
                case "image_url":
                    WriteImageBlock(turn.Block("user"), part, partPath);
                    break;
                default:
                    throw Invalid($"{partPath}: content part type '{type}' is not supported by this vendor; use text or image_url.", partPath);
            }
        }
    }

    private static void WriteImageBlock(Utf8JsonWriter writer, JsonElement part, string path)
    {
        if (!part.TryGetProperty("image_url", out var image))
        {
            throw Invalid($"{path} has no 'image_url'.", path);
        }

        var url = image.ValueKind == JsonValueKind.String ? image.GetString()! : GetRequiredString(image, "url", $"{path}.image_url");
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image");
        writer.WriteStartObject("source"u8);
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            // data:<media type>;base64,<data>
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma < 0 ? "" : url[5..comma];
            if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"{path}: a data URL image must be base64 encoded ('data:image/png;base64,...').", $"{path}.image_url.url");
            }

            writer.WriteString("type"u8, "base64");
            writer.WriteString("media_type"u8, header[..^";base64".Length].ToLowerInvariant());
            writer.WriteString("data"u8, url.AsSpan(comma + 1));
        }
        else if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            writer.WriteString("type"u8, "url");
            writer.WriteString("url"u8, url);
        }
        else
        {
            throw Invalid($"{path}: an image URL must be http(s) or a base64 data URL.", $"{path}.image_url.url");
        }

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

            var id = GetRequiredString(call, "id", callPath);
            var name = GetRequiredString(function, "name", $"{callPath}.function");
            var arguments = function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
            var writer = turn.Block("assistant");
            writer.WriteStartObject();
            writer.WriteString("type"u8, "tool_use");
            writer.WriteString("id"u8, id);
            writer.WriteString("name"u8, name);
            writer.WritePropertyName("input"u8);
            WriteArguments(writer, arguments, $"{callPath}.function.arguments");
            writer.WriteEndObject();
        }
    }

    private static void WriteArguments(Utf8JsonWriter writer, string arguments, string path)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using var parsed = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = 256 });
            if (parsed.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{path} must be a JSON object for this vendor.", path);
            }

            parsed.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw Invalid($"{path} is not valid JSON; this vendor needs tool call arguments as a JSON object.", path);
        }
    }

    private static void WriteToolResult(TurnWriter turn, JsonElement message, string path)
    {
        var id = GetRequiredString(message, "tool_call_id", path);
        var writer = turn.Block("user");
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result");
        writer.WriteString("tool_use_id"u8, id);
        if (message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null)
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("content"u8, content.GetString());
            }
            else
            {
                writer.WriteStartArray("content"u8);
                foreach (var text in ReadTextParts(content, $"{path}.content"))
                {
                    if (text.Length > 0)
                    {
                        WriteTextBlock(writer, text);
                    }
                }

                writer.WriteEndArray();
            }
        }

        writer.WriteEndObject();
    }
}
