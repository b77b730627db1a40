using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// Translates an OpenAI chat completion request into an Anthropic Messages request. Fields Anthropic cannot honour
/// are refused with a 400 that names them, never dropped silently.
/// </summary>
internal static partial class AnthropicRequestTranslator
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
