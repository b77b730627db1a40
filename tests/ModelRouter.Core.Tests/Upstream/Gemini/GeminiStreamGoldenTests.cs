using System.Net;
using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Gemini;
using static ModelRouter.Testing.ProviderVendors;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Gemini;

/// <summary>Golden tests: Gemini's <c>streamGenerateContent?alt=sse</c> events in, OpenAI <c>chat.completion.chunk</c> events out.</summary>
public class GeminiStreamGoldenTests
{
    private static readonly LlmConfig s_llm = new() { Id = "gemini", Provider = ProviderKinds.Gemini, BaseUrl = "https://generativelanguage.example", ApiKey = "AIza-test-secret-key" };

    // As Google's API reference shows a streamed answer: each event a whole GenerateContentResponse, events apart by CRLF pairs,
    // the last with the finishReason and the final usageMetadata.
    private static readonly string s_textStream = GeminiEvents(
        """{"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},"modelVersion": "gemini-2.0-flash","responseId": "rs1"}""",
        """{"candidates": [{"content": {"parts": [{"text": " wörld"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 2,"totalTokenCount": 11},"modelVersion": "gemini-2.0-flash","responseId": "rs1"}""",
        """{"candidates": [{"content": {"parts": [{"text": "!"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 3,"totalTokenCount": 12},"modelVersion": "gemini-2.0-flash","responseId": "rs1"}""");

    [Test]
    public async Task OpenStream_TextWithUsage_TranslatesEveryEvent()
    {
        const string expected = """
            [
              {"id":"rs1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"logprobs":null,"finish_reason":null}]},
              {"id":"rs1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"content":" wörld"},"logprobs":null,"finish_reason":null}]},
              {"id":"rs1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}]},
              {"id":"rs1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.0-flash","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]},
              {"id":"rs1","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.0-flash","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}},
              "[DONE]"
            ]
            """;

        var (sse, usage) = await ReadAllAsync(s_textStream, includeUsage: true);

        AssertEventsEqual(sse, expected);
        Assert.That(usage, Is.EqualTo((9L, 3L)));
    }

    [Test]
    public async Task OpenStream_FunctionCall_IsOneToolCallChunk()
    {
        var stream = GeminiEvents(
            """{"candidates":[{"content":{"parts":[{"text":"Checking."}],"role":"model"},"index":0}],"responseId":"rs2"}""",
            """{"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":6,"totalTokenCount":26},"responseId":"rs2"}""");
        const string expected = """
            [
              {"id":"rs2","object":"chat.completion.chunk","created":1700000000,"model":"gemini-x","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking."},"logprobs":null,"finish_reason":null}]},
              {"id":"rs2","object":"chat.completion.chunk","created":1700000000,"model":"gemini-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_rs2_0_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]},
              {"id":"rs2","object":"chat.completion.chunk","created":1700000000,"model":"gemini-x","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]},
              "[DONE]"
            ]
            """;

        var (sse, _) = await ReadAllAsync(stream, includeUsage: false);

        AssertEventsEqual(sse, expected);
    }

    [Test]
    public void OpenStream_BodyEndsBeforeFinishReason_Throws()
    {
        var stream = GeminiEvents("""{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"},"index":0}]}""");

        Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream, includeUsage: false));
    }

    [Test]
    public void OpenStream_ErrorEvent_ThrowsWithoutTheKey()
    {
        var stream = GeminiEvents("""{"error":{"code":503,"message":"The model is overloaded (key AIza-test-secret-key).","status":"UNAVAILABLE"}}""");

        var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream, includeUsage: false));

        Assert.That(ex!.Message, Does.Contain("UNAVAILABLE").And.Contain("overloaded").And.Not.Contain("AIza-test-secret-key"));
    }

    [Test]
    public async Task OpenStream_BlockedPrompt_FinishesWithContentFilter()
    {
        var stream = GeminiEvents("""{"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"responseId":"rs3"}""");

        var (sse, _) = await ReadAllAsync(stream, includeUsage: false);

        AssertEventsEqual(sse, """
            [
              {"id":"rs3","object":"chat.completion.chunk","created":1700000000,"model":"gemini-x","choices":[{"index":0,"delta":{"role":"assistant"},"logprobs":null,"finish_reason":"content_filter"}]},
              "[DONE]"
            ]
            """);
    }

    private static async Task<(string Sse, (long, long)? Usage)> ReadAllAsync(string geminiStream, bool includeUsage)
    {
        var request = includeUsage
            ? """{"model":"gemini-x","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"""
            : """{"model":"gemini-x","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";
        using var response = Response(HttpStatusCode.OK, geminiStream, "text/event-stream");
        var adapter = new GeminiProviderAdapter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now));
        await using var reader = adapter.OpenStream(response, Context(request, s_llm));
        var sse = new StringBuilder();
        while (true)
        {
            var chunk = await reader.ReadAsync(CancellationToken.None);
            if (chunk.IsEmpty)
            {
                return (sse.ToString(), reader.Usage);
            }

            sse.Append(Encoding.UTF8.GetString(chunk.Span));
        }
    }
}
