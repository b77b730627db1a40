using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Testing;

/// <summary>
/// A router "prod" over LLM "a" of a given provider kind and LLM "b" (OpenAI), for tests that run one behaviour
/// through every provider adapter; and each provider's own answers and errors, as its vendor would send them.
/// </summary>
internal static class ProviderVendors
{
    public const string BaseUrlA = "http://127.0.0.1:5101/a";

    public static readonly string[] Kinds = [ProviderKinds.OpenAI, ProviderKinds.AzureOpenAI, ProviderKinds.Anthropic, ProviderKinds.Gemini];

    /// <summary>Where the adapter of <paramref name="provider"/> sends LLM "a"'s requests.</summary>
    public static string UrlA(string provider) => provider switch
    {
        ProviderKinds.OpenAI => BaseUrlA + "/chat/completions",
        ProviderKinds.AzureOpenAI => BaseUrlA + "/openai/v1/chat/completions",
        ProviderKinds.Anthropic => BaseUrlA + "/v1/messages",

        // Either method of any model: generateContent, or streamGenerateContent?alt=sse.
        ProviderKinds.Gemini => BaseUrlA + "/v1beta/models/*",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public static ModelRouterConfig Config(string provider, IReadOnlyList<HeaderConfig>? headers = null)
        => OnePool("a", "b") with
        {
            Llms =
            [
                new LlmConfig { Id = "a", Provider = provider, BaseUrl = BaseUrlA, ApiKey = KeyOf("a"), Headers = headers ?? [] },
                Llm("b"),
            ],
        };

    /// <summary>A complete, valid answer in the provider's own format, saying <paramref name="text"/>.</summary>
    public static string Answer(string provider, bool streaming, string text)
    {
        if (provider == ProviderKinds.Gemini)
        {
            return streaming
                ? GeminiEvents(
                    $$$"""{"candidates":[{"content":{"parts":[{"text":"{{{text}}}"}],"role":"model"},"index":0}],"modelVersion":"gemini-x"}""",
                    """{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},"modelVersion":"gemini-x"}""")
                : $$$"""{"candidates":[{"content":{"parts":[{"text":"{{{text}}}"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5},"modelVersion":"gemini-x","responseId":"r1"}""";
        }

        if (provider != ProviderKinds.Anthropic)
        {
            return streaming
                ? $$$"""data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"{{{text}}}"}}]}""" + "\n\ndata: [DONE]\n\n"
                : $$"""{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{{text}}"},"finish_reason":"stop"}]}""";
        }

        if (!streaming)
        {
            return $$$"""{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"{{{text}}}"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}""";
        }

        return AnthropicEvents(
            """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{text}}}"}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}""",
            """{"type":"message_stop"}""");
    }

    /// <summary>An error body in the provider's own format; <paramref name="type"/>, <paramref name="param"/> and <paramref name="code"/> are JSON-escaped here.</summary>
    public static string Error(string provider, string message, string type = "invalid_request_error", string? param = null, string? code = null)
    {
        if (provider == ProviderKinds.Anthropic)
        {
            return $$$"""{"type":"error","error":{"type":{{{Json(type)}}},"message":{{{Json(message)}}}}}""";
        }

        if (provider == ProviderKinds.Gemini)
        {
            // Google's envelope: a numeric code, the message and a canonical status (here the given type); no param.
            return $$$"""{"error":{"code":400,"message":{{{Json(message)}}},"status":{{{Json(type)}}}}}""";
        }

        return $$$"""{"error":{"message":{{{Json(message)}}},"type":{{{Json(type)}}},"param":{{{Json(param)}}},"code":{{{Json(code)}}}}}""";
    }

    /// <summary>Anthropic server-sent events, one <c>data</c> line each.</summary>
    public static string AnthropicEvents(params string[] data)
        => string.Concat(data.Select(d => "event: x\ndata: " + d + "\n\n"));

    /// <summary>Gemini server-sent events as <c>alt=sse</c> sends them: one <c>data</c> line each, events apart by CRLF pairs.</summary>
    public static string GeminiEvents(params string[] data)
        => string.Concat(data.Select(d => "data: " + d + "\r\n\r\n"));

    public static string MediaType(bool streaming) => streaming ? "text/event-stream" : "application/json";

    /// <summary>A response with the given body bytes, media type and (when not <see langword="null"/>) <c>Content-Encoding</c>.</summary>
    public static HttpResponseMessage Response(HttpStatusCode status, byte[] body, string mediaType, string? contentEncoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        return new HttpResponseMessage(status) { Content = content };
    }

    public static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    private static string Json(string? value) => System.Text.Json.JsonSerializer.Serialize(value);
}
