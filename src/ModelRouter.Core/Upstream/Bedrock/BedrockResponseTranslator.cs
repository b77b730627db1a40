using System.Buffers;
using System.Text;
using System.Text.Json;
using ModelRouter.Model;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>Translates a Bedrock Converse response into an OpenAI <c>chat.completion</c>, and Bedrock's errors into OpenAI's.</summary>
internal static class BedrockResponseTranslator
{
    /// <summary>Translates a response body.</summary>
    /// <param name="utf8Json">The Converse response.</param>
    /// <param name="id">The answer's id (Bedrock's request id); Converse has none in the body.</param>
    /// <param name="model">The model asked for; Converse does not name it in the answer.</param>
    /// <param name="created">The Unix time written as <c>created</c>.</param>
    /// <exception cref="InvalidUpstreamResponseException">The body is not a Converse response.</exception>
    public static byte[] Translate(ReadOnlyMemory<byte> utf8Json, string id, string model, long created)
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
                || !root.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.Object
                || !output.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a Bedrock Converse response.");
            }

            var text = new StringBuilder();
            var hasText = false;
            var calls = 0;
            foreach (var block in content.EnumerateArray())
            {
                if (GetString(block, "text") is { } piece)
                {
                    hasText = true;
                    text.Append(piece);
                }
                else if (block.TryGetProperty("toolUse", out _))
                {
                    calls++;
                }
            }

            var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, id);
                writer.WriteString("object"u8, "chat.completion");
                writer.WriteNumber("created"u8, created);
                writer.WriteString("model"u8, model);
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

                if (calls > 0)
                {
                    writer.WriteStartArray("tool_calls"u8);
                    foreach (var block in content.EnumerateArray())
                    {
                        if (!block.TryGetProperty("toolUse", out var toolUse) || toolUse.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        writer.WriteStartObject();
                        writer.WriteString("id"u8, GetString(toolUse, "toolUseId") ?? "");
                        writer.WriteString("type"u8, "function");
                        writer.WriteStartObject("function"u8);
                        writer.WriteString("name"u8, GetString(toolUse, "name") ?? "");
                        writer.WriteString("arguments"u8, toolUse.TryGetProperty("input", out var input) ? Compact(input) : "{}");
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
                writer.WriteNull("logprobs"u8);
                writer.WriteString("finish_reason"u8, MapStopReason(GetString(root, "stopReason")));
                writer.WriteEndObject();
                writer.WriteEndArray();
                if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    BedrockUsage.From(usage).Write(writer);
                }

                writer.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Maps Converse's <c>stopReason</c> to OpenAI's <c>finish_reason</c>.</summary>
    public static string MapStopReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "guardrail_intervened" or "content_filtered" => "content_filter",
        _ => "stop",
    };

    /// <summary>Summarises a Bedrock error: <c>{"message"}</c> with the error's name in <c>x-amzn-ErrorType</c> (or the body's <c>__type</c>).</summary>
    public static UpstreamErrorInfo MapError(ReadOnlySpan<byte> body, string? errorTypeHeader, int statusCode, LlmSnapshot llm)
    {
        string? message = null;
        string? typeName = errorTypeHeader;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                message = GetString(root, "message") ?? GetString(root, "Message");
                typeName ??= GetString(root, "__type");
                if (message is null && root.TryGetProperty("error", out _))
                {
                    return UpstreamHttp.ParseOpenAIError(body, statusCode, llm);
                }
            }
        }
        catch (JsonException)
        {
        }

        var name = ErrorName(typeName);
        var secrets = llm.Secrets;
        return new UpstreamErrorInfo(
            UpstreamHttp.VendorText(message, secrets) ?? $"The vendor rejected the request with status {statusCode}.",
            MapErrorType(name, statusCode),
            null,
            UpstreamHttp.VendorField(name, secrets));
    }

    /// <summary>The short name of an AWS error type: <c>ThrottlingException</c> of <c>ThrottlingException:http://...</c> or <c>com.amazon...#ThrottlingException</c>.</summary>
    public static string? ErrorName(string? typeName)
    {
        if (string.IsNullOrEmpty(typeName))
        {
            return null;
        }

        var colon = typeName.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? typeName : typeName[..colon];
        var hash = name.LastIndexOf('#');
        return hash < 0 ? name : name[(hash + 1)..];
    }

    private static string MapErrorType(string? name, int statusCode) => name switch
    {
        "ValidationException" => "invalid_request_error",
        "AccessDeniedException" => "permission_error",
        "UnrecognizedClientException" or "InvalidSignatureException" or "ExpiredTokenException" => "authentication_error",
        "ResourceNotFoundException" => "not_found_error",
        "ThrottlingException" or "ServiceQuotaExceededException" => "rate_limit_error",
        "InternalServerException" or "ServiceUnavailableException" or "ModelNotReadyException" or "ModelTimeoutException" or "ModelErrorException" => "server_error",
        _ => UpstreamHttp.DefaultType(statusCode),
    };
}

/// <summary>Token counts of a Converse answer (<c>usage</c>), in OpenAI's terms: prompt tokens include cache reads and writes.</summary>
internal readonly record struct BedrockUsage(long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens)
{
    public long PromptTokens => InputTokens + CacheReadTokens + CacheWriteTokens;

    public static BedrockUsage From(JsonElement usage) => new(
        Get(usage, "inputTokens"), Get(usage, "outputTokens"), Get(usage, "cacheReadInputTokens"), Get(usage, "cacheWriteInputTokens"));

    /// <summary>Writes the OpenAI <c>usage</c> property.</summary>
    public void Write(Utf8JsonWriter writer)
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

    private static long Get(JsonElement usage, string name)
        => usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) ? count : 0;
}
