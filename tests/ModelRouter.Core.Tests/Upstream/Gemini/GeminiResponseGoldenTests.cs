using System.Net;
using System.Text;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Gemini;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Gemini;

/// <summary>
/// Golden tests: Gemini <c>GenerateContentResponse</c> and error bodies in, OpenAI shapes out. The Gemini bodies follow the
/// wire examples of Google's public API reference (generateContent, function calling, errors); no Google .NET SDK exists on
/// the package mirror to cross-check them.
/// </summary>
public class GeminiResponseGoldenTests
{
    [Test]
    public void Translate_TextAnswer_BecomesChatCompletionWithUsage()
    {
        const string gemini = """
            {
              "candidates": [
                {
                  "content": { "parts": [ { "text": "The capital of France is Paris." } ], "role": "model" },
                  "finishReason": "STOP",
                  "avgLogprobs": -0.0123
                }
              ],
              "usageMetadata": {
                "promptTokenCount": 8,
                "candidatesTokenCount": 7,
                "totalTokenCount": 15,
                "promptTokensDetails": [ { "modality": "TEXT", "tokenCount": 8 } ],
                "candidatesTokensDetails": [ { "modality": "TEXT", "tokenCount": 7 } ]
              },
              "modelVersion": "gemini-2.0-flash",
              "responseId": "g8BuaJqOKp2onvgPo8TtiAM"
            }
            """;
        const string expected = """
            {
              "id": "g8BuaJqOKp2onvgPo8TtiAM",
              "object": "chat.completion",
              "created": 1700000000,
              "model": "gemini-2.0-flash",
              "choices": [ { "index": 0, "message": { "role": "assistant", "content": "The capital of France is Paris." }, "logprobs": null, "finish_reason": "stop" } ],
              "usage": { "prompt_tokens": 8, "completion_tokens": 7, "total_tokens": 15 }
            }
            """;

        AssertJsonEqual(GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(gemini), "asked-model", 1_700_000_000), expected);
    }

    [Test]
    public void Translate_FunctionCallsThoughtsAndCachedTokens_BecomeToolCalls()
    {
        const string gemini = """
            {
              "candidates": [
                {
                  "content": {
                    "parts": [
                      { "text": "Thinking about the weather.", "thought": true },
                      { "text": "Let me look." },
                      { "functionCall": { "name": "get_current_weather", "args": { "location": "Boston, MA" } } },
                      { "functionCall": { "id": "fc-2", "name": "get_time", "args": {} } }
                    ],
                    "role": "model"
                  },
                  "finishReason": "STOP",
                  "index": 0,
                  "safetyRatings": [ { "category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE" } ]
                }
              ],
              "usageMetadata": { "promptTokenCount": 30, "candidatesTokenCount": 12, "thoughtsTokenCount": 5, "cachedContentTokenCount": 10, "totalTokenCount": 47 },
              "modelVersion": "gemini-2.5-flash",
              "responseId": "r9"
            }
            """;
        const string expected = """
            {
              "id": "r9",
              "object": "chat.completion",
              "created": 1700000000,
              "model": "gemini-2.5-flash",
              "choices": [ {
                "index": 0,
                "message": {
                  "role": "assistant",
                  "content": "Let me look.",
                  "tool_calls": [
                    { "id": "call_r9_0_0", "type": "function", "function": { "name": "get_current_weather", "arguments": "{\"location\":\"Boston, MA\"}" } },
                    { "id": "fc-2", "type": "function", "function": { "name": "get_time", "arguments": "{}" } }
                  ]
                },
                "logprobs": null,
                "finish_reason": "tool_calls"
              } ],
              "usage": {
                "prompt_tokens": 30, "completion_tokens": 17, "total_tokens": 47,
                "prompt_tokens_details": { "cached_tokens": 10 },
                "completion_tokens_details": { "reasoning_tokens": 5 }
              }
            }
            """;

        AssertJsonEqual(GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(gemini), "m", 1_700_000_000), expected);
    }

    [TestCase("MAX_TOKENS", "length")]
    [TestCase("SAFETY", "content_filter")]
    [TestCase("RECITATION", "content_filter")]
    [TestCase("PROHIBITED_CONTENT", "content_filter")]
    [TestCase("OTHER", "stop")]
    public void Translate_FinishReason_IsMapped(string finishReason, string expected)
    {
        var gemini = $$$"""{"candidates":[{"content":{"parts":[{"text":"x"}],"role":"model"},"finishReason":"{{{finishReason}}}","index":0}]}""";

        var answer = Encoding.UTF8.GetString(GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(gemini), "m", 1));

        Assert.That(answer, Does.Contain($"\"finish_reason\":\"{expected}\""));
    }

    [Test]
    public void Translate_SeveralCandidates_BecomeSeveralChoices()
    {
        const string gemini = """{"candidates":[{"content":{"parts":[{"text":"A"}],"role":"model"},"finishReason":"STOP","index":0},{"content":{"parts":[{"text":"B"}],"role":"model"},"finishReason":"MAX_TOKENS","index":1}]}""";
        const string expected = """
            {"id":"","object":"chat.completion","created":1,"model":"m","choices":[
              {"index":0,"message":{"role":"assistant","content":"A"},"logprobs":null,"finish_reason":"stop"},
              {"index":1,"message":{"role":"assistant","content":"B"},"logprobs":null,"finish_reason":"length"}]}
            """;

        AssertJsonEqual(GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(gemini), "m", 1), expected);
    }

    [Test]
    public void Translate_BlockedPrompt_IsContentFilterWithoutContent()
    {
        const string gemini = """{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":4,"totalTokenCount":4}}""";
        const string expected = """
            {"id":"","object":"chat.completion","created":1,"model":"m",
             "choices":[{"index":0,"message":{"role":"assistant","content":null},"logprobs":null,"finish_reason":"content_filter"}],
             "usage":{"prompt_tokens":4,"completion_tokens":0,"total_tokens":4}}
            """;

        AssertJsonEqual(GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(gemini), "m", 1), expected);
    }

    [TestCase("<html>oops</html>")]
    [TestCase("[]")]
    [TestCase("""{"candidates":{}}""")]
    [TestCase("""{"id":"chatcmpl-1","object":"chat.completion"}""")]
    public void Translate_NotAGeminiResponse_Throws(string body)
        => Assert.Throws<InvalidUpstreamResponseException>(() => GeminiResponseTranslator.Translate(Encoding.UTF8.GetBytes(body), "m", 1));

    [TestCase(400, "INVALID_ARGUMENT", "invalid_request_error")]
    [TestCase(403, "PERMISSION_DENIED", "permission_error")]
    [TestCase(404, "NOT_FOUND", "not_found_error")]
    [TestCase(429, "RESOURCE_EXHAUSTED", "rate_limit_error")]
    [TestCase(503, "UNAVAILABLE", "server_error")]
    public async Task ReadErrorAsync_GoogleEnvelope_BecomesOpenAIError(int status, string googleStatus, string type)
    {
        var body = $$$"""{"error":{"code":{{{status}}},"message":"Something about AIza-test-secret-key.","status":"{{{googleStatus}}}","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"X"}]}}""";
        var llm = new ModelRouter.Configuration.LlmConfig { Id = "g", Provider = "gemini", BaseUrl = "https://g.example", ApiKey = "AIza-test-secret-key" };
        using var response = Response((HttpStatusCode)status, body);

        var error = await new GeminiProviderAdapter().ReadErrorAsync(response, Context("""{"model":"m","messages":[]}""", llm), CancellationToken.None);

        Assert.That(error, Is.EqualTo(new UpstreamErrorInfo("Something about ********.", type, null, googleStatus)));
    }

    [TestCase("46s", 46_000)]
    [TestCase("0.5s", 500)]
    [TestCase("1.250000000s", 1_250)]
    public void TryReadRetryDelay_RetryInfoDetail_IsTheDelay(string retryDelay, int milliseconds)
    {
        var body = $$$"""
            {"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[
              {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
              {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
              {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"{{{retryDelay}}}"}]}}
            """;

        Assert.That(GeminiErrorMapper.TryReadRetryDelay(Encoding.UTF8.GetBytes(body), out var delay), Is.True);
        Assert.That(delay, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("""{"error":{"code":429,"message":"slow","status":"RESOURCE_EXHAUSTED"}}""")]
    [TestCase("""{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"-3s"}]}}""")]
    [TestCase("""{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"soon"}]}}""")]
    [TestCase("not json")]
    public void TryReadRetryDelay_NoValidRetryInfo_IsFalse(string body)
        => Assert.That(GeminiErrorMapper.TryReadRetryDelay(Encoding.UTF8.GetBytes(body), out _), Is.False);
}
