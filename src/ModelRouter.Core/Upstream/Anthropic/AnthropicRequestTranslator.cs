using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using ModelRouter.Routing;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// Translates an OpenAI chat completion request into an Anthropic Messages request. Fields Anthropic cannot honour
/// are refused with a 400 that names them, never dropped silently.
/// </summary>
internal static class AnthropicRequestTranslator
{
    /// <summary>The <c>max_tokens</c> sent when neither the client nor the LLM's <c>defaultMaxTokens</c> gives one.</summary>
    public const int DefaultMaxTokens = 4096;

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    /// <summary>Translates a request body.</summary>
    /// <param name="utf8Json">The client's OpenAI chat completion body, already validated as JSON.</param>
    /// <param name="model">The model to send (after mapping).</param>
    /// <param name="defaultMaxTokens">The LLM's configured default for <c>max_tokens</c>, if any.</param>
    /// <returns>The Anthropic Messages request body.</returns>
    /// <exception cref="ModelRouterException">The request uses something Anthropic cannot honour, or is malformed (400).</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json, string model, int? defaultMaxTokens)
    {
        using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 1024 });
        var root = document.RootElement;
        RejectUnsupported(root);

        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("model"u8, model);
            WriteMaxTokens(writer, root, defaultMaxTokens);
            WriteSystem(writer, root);
            WriteMessages(writer, root);
            WriteSampling(writer, root);
            WriteTools(writer, root);
            if (TryGet(root, "user", out var user))
            {
                if (user.ValueKind != JsonValueKind.String)
                {
                    throw Invalid("'user' must be a string.", "user");
                }

                writer.WriteStartObject("metadata"u8);
                writer.WriteString("user_id"u8, user.GetString());
                writer.WriteEndObject();
            }

            if (TryGet(root, "stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                writer.WriteBoolean("stream"u8, true);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void RejectUnsupported(JsonElement root)
    {
        if (TryGet(root, "n", out var n) && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count != 1))
        {
            throw Unsupported("'n' other than 1 (several choices)", "n");
        }

        if (TryGet(root, "logprobs", out var logprobs) && logprobs.ValueKind != JsonValueKind.False)
        {
            throw Unsupported("'logprobs'", "logprobs");
        }

        if (TryGet(root, "top_logprobs", out _))
        {
            throw Unsupported("'top_logprobs'", "top_logprobs");
        }

        if (TryGet(root, "logit_bias", out var bias) && !(bias.ValueKind == JsonValueKind.Object && !bias.EnumerateObject().Any()))
        {
            throw Unsupported("'logit_bias'", "logit_bias");
        }

        foreach (var penalty in (ReadOnlySpan<string>)["presence_penalty", "frequency_penalty"])
        {
            if (TryGet(root, penalty, out var value) && !(value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0))
            {
                throw Unsupported($"'{penalty}'", penalty);
            }
        }

        if (TryGet(root, "response_format", out var format)
            && !(format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out var formatType) && formatType.ValueEquals("text")))
        {
            throw Unsupported("'response_format' other than text (JSON mode, JSON schema)", "response_format");
        }

        if (TryGet(root, "modalities", out var modalities)
            && (modalities.ValueKind != JsonValueKind.Array || modalities.EnumerateArray().Any(m => !m.ValueEquals("text"))))
        {
            throw Unsupported("output 'modalities' other than text", "modalities");
        }

        foreach (var name in (ReadOnlySpan<string>)["audio", "prediction", "functions", "function_call", "reasoning_effort", "web_search_options"])
        {
            if (TryGet(root, name, out _))
            {
                throw Unsupported($"'{name}'", name);
            }
        }
    }

    private static void WriteMaxTokens(Utf8JsonWriter writer, JsonElement root, int? defaultMaxTokens)
    {
        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var tokens) || tokens < 1)
                {
                    throw Invalid($"'{name}' must be a positive integer.", name);
                }

                writer.WriteNumber("max_tokens"u8, tokens);
                return;
            }
        }

        writer.WriteNumber("max_tokens"u8, defaultMaxTokens ?? DefaultMaxTokens);
    }

    /// <summary>Gathers every system and developer message, wherever it stands, into the top-level <c>system</c>.</summary>
    private static void WriteSystem(Utf8JsonWriter writer, JsonElement root)
    {
        var texts = new List<string>();
        var messages = GetMessages(root);
        for (var i = 0; i < messages.GetArrayLength(); i++)
        {
            var message = messages[i];
            var role = GetRole(message, i);
            if (role is not ("system" or "developer"))
            {
                continue;
            }

            if (!message.TryGetProperty("content", out var content))
            {
                throw Invalid($"messages[{i}] has no 'content'.", $"messages[{i}].content");
            }

            foreach (var text in ReadTextParts(content, $"messages[{i}].content"))
            {
                if (text.Length > 0)
                {
                    texts.Add(text);
                }
            }
        }

        if (texts.Count == 1)
        {
            writer.WriteString("system"u8, texts[0]);
        }
        else if (texts.Count > 1)
        {
            writer.WriteStartArray("system"u8);
            foreach (var text in texts)
            {
                WriteTextBlock(writer, text);
            }

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
                    WriteUserContent(turn, message, path);
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

    private static void WriteSampling(Utf8JsonWriter writer, JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["temperature", "top_p"])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    throw Invalid($"'{name}' must be a number.", name);
                }

                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        if (TryGet(root, "stop", out var stop))
        {
            writer.WriteStartArray("stop_sequences"u8);
            if (stop.ValueKind == JsonValueKind.String)
            {
                writer.WriteStringValue(stop.GetString());
            }
            else if (stop.ValueKind == JsonValueKind.Array)
            {
                foreach (var sequence in stop.EnumerateArray())
                {
                    if (sequence.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid("'stop' must be a string or an array of strings.", "stop");
                    }

                    writer.WriteStringValue(sequence.GetString());
                }
            }
            else
            {
                throw Invalid("'stop' must be a string or an array of strings.", "stop");
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        var hasTools = TryGet(root, "tools", out var tools);
        if (hasTools)
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'tools' must be an array.", "tools");
            }

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
                writer.WriteString("name"u8, GetRequiredString(function, "name", $"{path}.function"));
                if (function.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
                {
                    writer.WriteString("description"u8, description.GetString());
                }

                writer.WritePropertyName("input_schema"u8);
                if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
                {
                    parameters.WriteTo(writer);
                }
                else
                {
                    // Anthropic requires a schema; OpenAI's default for a function without parameters is an empty object.
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "object");
                    writer.WriteStartObject("properties"u8);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        var disableParallel = TryGet(root, "parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        if (TryGet(root, "tool_choice", out var choice))
        {
            WriteToolChoice(writer, choice, disableParallel);
        }
        else if (hasTools && disableParallel)
        {
            WriteToolChoice(writer, "auto", null, disableParallel);
        }
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement choice, bool disableParallel)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            var value = choice.GetString();
            var type = value switch
            {
                "auto" => "auto",
                "none" => "none",
                "required" => "any",
                _ => throw Invalid($"'tool_choice' '{value}' is not supported; use auto, none, required or a named function.", "tool_choice"),
            };
            WriteToolChoice(writer, type, null, disableParallel);
            return;
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var kind) && kind.ValueEquals("function")
            && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            WriteToolChoice(writer, "tool", GetRequiredString(function, "name", "tool_choice.function"), disableParallel);
            return;
        }

        throw Invalid("'tool_choice' is not supported by this vendor; use auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, string type, string? name, bool disableParallel)
    {
        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, type);
        if (name is not null)
        {
            writer.WriteString("name"u8, name);
        }

        if (disableParallel && type != "none")
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }

    private static List<string> ReadTextParts(JsonElement content, string path, bool allowRefusal = false)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return [content.GetString()!];
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{path} must be a string or an array of text parts.", path);
        }

        var texts = new List<string>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}[{index++}]";
            var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "text")
            {
                texts.Add(GetRequiredString(part, "text", partPath));
            }
            else if (type == "refusal" && allowRefusal)
            {
                texts.Add(GetRequiredString(part, "refusal", partPath));
            }
            else
            {
                throw Invalid($"{partPath}: content part type '{type}' is not supported here; use text.", partPath);
            }
        }

        return texts;
    }

    private static void WriteTextBlock(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text");
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    private static JsonElement GetMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("The request has no 'messages' array.", "messages");
        }

        return messages;
    }

    private static string GetRole(JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"messages[{index}] must be an object with a string 'role'.", $"messages[{index}].role");
        }

        return role.GetString()!;
    }

    private static string GetRequiredString(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"{path} needs a string '{name}'.", $"{path}.{name}");
        }

        return value.GetString()!;
    }

    /// <summary>Finds a property that is present and not <c>null</c>.</summary>
    private static bool TryGet(JsonElement root, string name, out JsonElement value)
        => root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static ModelRouterException Unsupported(string what, string param)
        => Invalid(string.Create(CultureInfo.InvariantCulture, $"{what} is not supported by this vendor (Anthropic); remove it from the request."), param);

    private static ModelRouterException Invalid(string message, string? param)
        => new(ModelRouterErrorKind.InvalidRequest, message) { Param = param };

    /// <summary>Writes content blocks into Anthropic turns, merging consecutive blocks of the same role into one turn.</summary>
    private sealed class TurnWriter(Utf8JsonWriter writer)
    {
        private string? _role;

        /// <summary>Returns the writer positioned for one more block of a <paramref name="role"/> turn.</summary>
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
