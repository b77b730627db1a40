using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>
/// Reading an OpenAI chat completion request, for the adapters that translate it into another vendor's shape (Gemini,
/// Bedrock): field lookups, content parts, data URLs, tool call arguments, and the 400 errors that name the field at fault.
/// </summary>
internal static class ChatTranslation
{
    /// <summary>The writer options of translated bodies: UTF-8 as it is, escaping only what JSON requires.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Finds a property that is present and not <c>null</c>.</summary>
    public static bool TryGet(JsonElement element, string name, out JsonElement value)
        => element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>Gets a string property, or null when it is absent or not a string.</summary>
    public static string? GetString(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Gets a string property that must be there.</summary>
    /// <exception cref="ModelRouterException">It is absent or not a string (400).</exception>
    public static string GetRequiredString(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"{path} needs a string '{name}'.", $"{path}.{name}");
        }

        return value.GetString()!;
    }

    /// <summary>Gets the request's <c>messages</c> array.</summary>
    public static JsonElement GetMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("The request has no 'messages' array.", "messages");
        }

        return messages;
    }

    /// <summary>Gets a message's <c>role</c>.</summary>
    public static string GetRole(JsonElement message, int index)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"messages[{index}] must be an object with a string 'role'.", $"messages[{index}].role");
        }

        return role.GetString()!;
    }

    /// <summary>Reads content that may only hold text: a string, or an array of text (and, for an assistant, refusal) parts.</summary>
    public static List<string> ReadTextParts(JsonElement content, string path, bool allowRefusal = false)
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
            var type = GetString(part, "type");
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

    /// <summary>Gets the URL of an <c>image_url</c> content part.</summary>
    public static string GetImageUrl(JsonElement part, string path)
    {
        if (!part.TryGetProperty("image_url", out var image))
        {
            throw Invalid($"{path} has no 'image_url'.", path);
        }

        return image.ValueKind == JsonValueKind.String ? image.GetString()! : GetRequiredString(image, "url", $"{path}.image_url");
    }

    /// <summary>Splits a base64 data URL, <c>data:&lt;media type&gt;;base64,&lt;data&gt;</c>.</summary>
    /// <returns><see langword="false"/> when <paramref name="url"/> is not a data URL.</returns>
    /// <exception cref="ModelRouterException">A data URL that is not base64 (400).</exception>
    public static bool TryParseDataUrl(string url, string path, out string mediaType, out ReadOnlyMemory<char> base64)
    {
        mediaType = "";
        base64 = default;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var header = comma < 0 ? "" : url[5..comma];
        if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"{path}: a data URL image must be base64 encoded ('data:image/png;base64,...').", $"{path}.image_url.url");
        }

        mediaType = header[..^";base64".Length].ToLowerInvariant();
        base64 = url.AsMemory(comma + 1);
        return true;
    }

    /// <summary>Tells whether a URL is http or https.</summary>
    public static bool IsHttpUrl(string url)
        => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes OpenAI tool call <c>arguments</c> (a JSON text) as the JSON object vendors take; empty is <c>{}</c>.</summary>
    /// <exception cref="ModelRouterException">The arguments are not a JSON object (400).</exception>
    public static void WriteArguments(Utf8JsonWriter writer, string arguments, string path)
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

    /// <summary>Writes a JSON value without the vendor's white space, as OpenAI's <c>arguments</c> string.</summary>
    public static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Refuses a request field the vendor cannot honour (400).</summary>
    public static ModelRouterException Unsupported(string what, string param, string vendor)
        => Invalid($"{what} is not supported by this vendor ({vendor}); remove it from the request.", param);

    /// <summary>A 400 naming the field at fault.</summary>
    public static ModelRouterException Invalid(string message, string? param)
        => new(ModelRouterErrorKind.InvalidRequest, message) { Param = param };
}
