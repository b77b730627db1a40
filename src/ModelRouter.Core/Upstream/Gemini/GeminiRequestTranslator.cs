using System.Buffers;
using System.Text.Json;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Gemini;

/// <summary>
/// Translates an OpenAI chat completion request into a Gemini <c>GenerateContentRequest</c>: system and developer messages
/// into <c>systemInstruction</c>, turns into <c>contents</c> (<c>user</c> and <c>model</c>, consecutive turns of one role
/// merged), images into <c>inlineData</c> or <c>fileData</c>, tools into <c>functionDeclarations</c>, sampling into
/// <c>generationConfig</c>. Fields Gemini cannot honour are refused with a 400 that names them, never dropped silently.
/// </summary>
internal static class GeminiRequestTranslator
{
    private const string Vendor = "Gemini";

    /// <summary>Translates a request body.</summary>
    /// <param name="utf8Json">The client's OpenAI chat completion body, already validated as JSON.</param>
    /// <returns>The Gemini request body (the model travels in the URL).</returns>
    /// <exception cref="ModelRouterException">The request uses something Gemini cannot honour, or is malformed (400).</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json)
    {
        using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 1024 });
        var root = document.RootElement;
        RejectUnsupported(root);

        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteContents(writer, root);
            WriteSystemInstruction(writer, root);
            WriteTools(writer, root);
            WriteGenerationConfig(writer, root);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void RejectUnsupported(JsonElement root)
    {
        if (TryGet(root, "logprobs", out var logprobs) && logprobs.ValueKind != JsonValueKind.False)
        {
            throw Unsupported("'logprobs'", "logprobs", Vendor);
        }

        if (TryGet(root, "top_logprobs", out _))
        {
            throw Unsupported("'top_logprobs'", "top_logprobs", Vendor);
        }

        if (TryGet(root, "logit_bias", out var bias) && !(bias.ValueKind == JsonValueKind.Object && !bias.EnumerateObject().Any()))
        {
            throw Unsupported("'logit_bias'", "logit_bias", Vendor);
        }

        if (TryGet(root, "modalities", out var modalities)
            && (modalities.ValueKind != JsonValueKind.Array || modalities.EnumerateArray().Any(m => !m.ValueEquals("text"))))
        {
            throw Unsupported("output 'modalities' other than text", "modalities", Vendor);
        }

        foreach (var name in (ReadOnlySpan<string>)["audio", "prediction", "functions", "function_call", "reasoning_effort", "web_search_options"])
        {
            if (TryGet(root, name, out _))
            {
                throw Unsupported($"'{name}'", name, Vendor);
            }
        }
    }

    private static void WriteSystemInstruction(Utf8JsonWriter writer, JsonElement root)
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
                    writer.WriteStartObject("systemInstruction"u8);
                    writer.WriteStartArray("parts"u8);
                    started = true;
                }

                WriteTextPart(writer, text);
            }
        }

        if (started)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void WriteContents(Utf8JsonWriter writer, JsonElement root)
    {
        var messages = GetMessages(root);
        var turn = new TurnWriter(writer);

        // Gemini's functionResponse names the function; OpenAI's tool message names only the call. The names come from
        // the assistant turns before it (a later call with the same id wins, as the turns go).
        var functionNames = new Dictionary<string, string>(StringComparer.Ordinal);
        writer.WriteStartArray("contents"u8);
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
                    WriteAssistant(turn, message, path, functionNames);
                    break;
                case "tool":
                    WriteToolResult(turn, message, path, functionNames);
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
            var text = content.GetString()!;
            if (text.Length > 0)
            {
                WriteTextPart(turn.Part("user"), text);
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
                    var text = GetRequiredString(part, "text", partPath);
                    if (text.Length > 0)
                    {
                        WriteTextPart(turn.Part("user"), text);
                    }

                    break;
                case "image_url":
                    WriteImagePart(turn.Part("user"), GetImageUrl(part, partPath), partPath);
                    break;
                case var type:
                    throw Invalid($"{partPath}: content part type '{type}' is not supported by this vendor; use text or image_url.", partPath);
            }
        }
    }

    private static void WriteImagePart(Utf8JsonWriter writer, string url, string path)
    {
        writer.WriteStartObject();
        if (TryParseDataUrl(url, path, out var mediaType, out var data))
        {
            writer.WriteStartObject("inlineData"u8);
            writer.WriteString("mimeType"u8, mediaType);
            writer.WriteString("data"u8, data.Span);
            writer.WriteEndObject();
        }
        else if (IsHttpUrl(url))
        {
            writer.WriteStartObject("fileData"u8);
            if (GuessImageType(url) is { } mimeType)
            {
                writer.WriteString("mimeType"u8, mimeType);
            }

            writer.WriteString("fileUri"u8, url);
            writer.WriteEndObject();
        }
        else
        {
            throw Invalid($"{path}: an image URL must be http(s) or a base64 data URL.", $"{path}.image_url.url");
        }

        writer.WriteEndObject();
    }

    /// <summary>The image media type a URL's extension names, if it names one Gemini reads.</summary>
    private static string? GuessImageType(string url)
    {
        var end = url.AsSpan();
        var cut = end.IndexOfAny('?', '#');
        if (cut >= 0)
        {
            end = end[..cut];
        }

        var dot = end.LastIndexOf('.');
        var extension = dot < 0 ? [] : end[(dot + 1)..];
        return extension switch
        {
            _ when extension.Equals("png", StringComparison.OrdinalIgnoreCase) => "image/png",
            _ when extension.Equals("jpg", StringComparison.OrdinalIgnoreCase) || extension.Equals("jpeg", StringComparison.OrdinalIgnoreCase) => "image/jpeg",
            _ when extension.Equals("webp", StringComparison.OrdinalIgnoreCase) => "image/webp",
            _ when extension.Equals("gif", StringComparison.OrdinalIgnoreCase) => "image/gif",
            _ when extension.Equals("heic", StringComparison.OrdinalIgnoreCase) => "image/heic",
            _ => null,
        };
    }

    private static void WriteAssistant(TurnWriter turn, JsonElement message, string path, Dictionary<string, string> functionNames)
    {
        if (message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null)
        {
            foreach (var text in ReadTextParts(content, $"{path}.content", allowRefusal: true))
            {
                if (text.Length > 0)
                {
                    WriteTextPart(turn.Part("model"), text);
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
            functionNames[id] = name;
            var writer = turn.Part("model");
            writer.WriteStartObject();
            writer.WriteStartObject("functionCall"u8);
            writer.WriteString("id"u8, id);
            writer.WriteString("name"u8, name);
            writer.WritePropertyName("args"u8);
            WriteArguments(writer, GetString(function, "arguments") ?? "", $"{callPath}.function.arguments");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteToolResult(TurnWriter turn, JsonElement message, string path, Dictionary<string, string> functionNames)
    {
        var id = GetRequiredString(message, "tool_call_id", path);
        if (!functionNames.TryGetValue(id, out var name))
        {
            throw Invalid($"{path}: tool_call_id '{id}' answers no tool call of an earlier assistant message; this vendor needs the function's name.", $"{path}.tool_call_id");
        }

        var text = message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null
            ? string.Concat(ReadTextParts(content, $"{path}.content"))
            : "";
        var writer = turn.Part("user");
        writer.WriteStartObject();
        writer.WriteStartObject("functionResponse"u8);
        writer.WriteString("id"u8, id);
        writer.WriteString("name"u8, name);
        writer.WritePropertyName("response"u8);

        // Gemini takes the result as a JSON object: one the tool returned as is, anything else under "result".
        if (!TryWriteJsonObject(writer, text))
        {
            writer.WriteStartObject();
            writer.WriteString("result"u8, text);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static bool TryWriteJsonObject(Utf8JsonWriter writer, string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return false;
        }

        try
        {
            using var parsed = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            parsed.RootElement.WriteTo(writer);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement root)
    {
        if (TryGet(root, "tools", out var tools))
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("'tools' must be an array.", "tools");
            }

            if (tools.GetArrayLength() > 0)
            {
                writer.WriteStartArray("tools"u8);
                writer.WriteStartObject();
                writer.WriteStartArray("functionDeclarations"u8);
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
                    if (GetString(function, "description") is { } description)
                    {
                        writer.WriteString("description"u8, description);
                    }

                    // parametersJsonSchema takes the JSON Schema as OpenAI clients write it; parameters takes only
                    // Gemini's OpenAPI subset, and refuses common keywords such as additionalProperties.
                    if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
                    {
                        writer.WritePropertyName("parametersJsonSchema"u8);
                        parameters.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
        }

        if (TryGet(root, "tool_choice", out var choice))
        {
            WriteToolConfig(writer, choice);
        }
    }

    private static void WriteToolConfig(Utf8JsonWriter writer, JsonElement choice)
    {
        string mode;
        string? name = null;
        if (choice.ValueKind == JsonValueKind.String)
        {
            mode = choice.GetString() switch
            {
                "auto" => "AUTO",
                "none" => "NONE",
                "required" => "ANY",
                var value => throw Invalid($"'tool_choice' '{value}' is not supported; use auto, none, required or a named function.", "tool_choice"),
            };
        }
        else if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var kind) && kind.ValueEquals("function")
            && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            mode = "ANY";
            name = GetRequiredString(function, "name", "tool_choice.function");
        }
        else
        {
            throw Invalid("'tool_choice' is not supported by this vendor; use auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.", "tool_choice");
        }

        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartObject("functionCallingConfig"u8);
        writer.WriteString("mode"u8, mode);
        if (name is not null)
        {
            writer.WriteStartArray("allowedFunctionNames"u8);
            writer.WriteStringValue(name);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteGenerationConfig(Utf8JsonWriter writer, JsonElement root)
    {
        var started = false;
        Utf8JsonWriter Config()
        {
            if (!started)
            {
                writer.WriteStartObject("generationConfig"u8);
                started = true;
            }

            return writer;
        }

        foreach (var (name, geminiName) in (ReadOnlySpan<(string, string)>)[("temperature", "temperature"), ("top_p", "topP"), ("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty")])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    throw Invalid($"'{name}' must be a number.", name);
                }

                Config().WritePropertyName(geminiName);
                value.WriteTo(writer);
            }
        }

        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (TryGet(root, name, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var tokens) || tokens < 1)
                {
                    throw Invalid($"'{name}' must be a positive integer.", name);
                }

                Config().WriteNumber("maxOutputTokens"u8, tokens);
                break;
            }
        }

        if (TryGet(root, "n", out var n))
        {
            if (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count < 1)
            {
                throw Invalid("'n' must be a positive integer.", "n");
            }

            if (count != 1)
            {
                Config().WriteNumber("candidateCount"u8, count);
            }
        }

        if (TryGet(root, "seed", out var seed))
        {
            if (seed.ValueKind != JsonValueKind.Number || !seed.TryGetInt32(out var value))
            {
                throw Invalid("'seed' must be a 32-bit integer for this vendor.", "seed");
            }

            Config().WriteNumber("seed"u8, value);
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

        if (TryGet(root, "response_format", out var format))
        {
            switch (GetString(format, "type"))
            {
                case "text":
                    break;
                case "json_object":
                    Config().WriteString("responseMimeType"u8, "application/json");
                    break;
                case "json_schema" when format.TryGetProperty("json_schema", out var jsonSchema) && jsonSchema.TryGetProperty("schema", out var schema) && schema.ValueKind == JsonValueKind.Object:
                    Config().WriteString("responseMimeType"u8, "application/json");
                    writer.WritePropertyName("responseJsonSchema"u8);
                    schema.WriteTo(writer);
                    break;
                default:
                    throw Invalid("'response_format' must be text, json_object or json_schema with a 'schema' object.", "response_format");
            }
        }

        if (started)
        {
            writer.WriteEndObject();
        }
    }

    private static void WriteTextPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>Writes parts into Gemini turns, merging consecutive parts of the same role into one turn.</summary>
    private sealed class TurnWriter(Utf8JsonWriter writer)
    {
        private string? _role;

        /// <summary>Returns the writer positioned for one more part of a <paramref name="role"/> turn.</summary>
        public Utf8JsonWriter Part(string role)
        {
            if (_role != role)
            {
                Close();
                writer.WriteStartObject();
                writer.WriteString("role"u8, role);
                writer.WriteStartArray("parts"u8);
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
