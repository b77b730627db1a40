using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime.EventStreams;
using ModelRouter.Configuration;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Bedrock;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Bedrock;

/// <summary>
/// Golden tests both ways: OpenAI requests to Converse requests, Converse answers, ConverseStream event streams and
/// Bedrock errors back to OpenAI's shapes. The Bedrock bodies follow the wire examples of AWS's Converse API reference; no
/// AWSSDK.BedrockRuntime is on the package mirror to cross-check them, but the event-stream framing is AWSSDK.Core's own.
/// </summary>
public class BedrockGoldenTests
{
    private static readonly LlmConfig s_llm = new()
    {
        Id = "bedrock", Provider = ProviderKinds.Bedrock, BaseUrl = "https://bedrock-runtime.us-east-1.amazonaws.com",
        Region = "us-east-1", AccessKeyId = "AKIATESTKEYID0001", ApiKey = "bedrock-test-secret-access-key",
    };

    [Test]
    public async Task CreateRequest_MessagesToolsImagesAndSampling_TranslateToConverse()
    {
        const string input = """
            {
              "model": "gpt-4",
              "messages": [
                { "role": "system", "content": "You are terse." },
                { "role": "developer", "content": "Answer in French." },
                { "role": "user", "content": [
                  { "type": "text", "text": "What is this? ✓" },
                  { "type": "image_url", "image_url": { "url": "data:image/jpeg;base64,/9j/4AAQ" } }
                ] },
                { "role": "assistant", "content": "Let me check.", "tool_calls": [
                  { "id": "tooluse_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } }
                ] },
                { "role": "tool", "tool_call_id": "tooluse_1", "content": "18C" },
                { "role": "user", "content": "Thanks" }
              ],
              "max_tokens": 512,
              "temperature": 0.3,
              "top_p": 0.8,
              "stop": "END",
              "tools": [ { "type": "function", "function": { "name": "get_weather", "description": "Weather now",
                "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } } } ],
              "tool_choice": "required"
            }
            """;
        const string expected = """
            {
              "messages": [
                { "role": "user", "content": [
                  { "text": "What is this? ✓" },
                  { "image": { "format": "jpeg", "source": { "bytes": "/9j/4AAQ" } } }
                ] },
                { "role": "assistant", "content": [
                  { "text": "Let me check." },
                  { "toolUse": { "toolUseId": "tooluse_1", "name": "get_weather", "input": { "city": "Paris" } } }
                ] },
                { "role": "user", "content": [
                  { "toolResult": { "toolUseId": "tooluse_1", "content": [ { "text": "18C" } ] } },
                  { "text": "Thanks" }
                ] }
              ],
              "system": [ { "text": "You are terse." }, { "text": "Answer in French." } ],
              "inferenceConfig": { "maxTokens": 512, "temperature": 0.3, "topP": 0.8, "stopSequences": [ "END" ] },
              "toolConfig": {
                "tools": [ { "toolSpec": { "name": "get_weather", "description": "Weather now",
                  "inputSchema": { "json": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } } } } ],
                "toolChoice": { "any": {} }
              }
            }
            """;

        using var request = new BedrockProviderAdapter().CreateRequest(Context(input, s_llm, targetModel: "amazon.nova-pro-v1:0"));

        Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse")));
        Assert.That(request.Headers.GetValues("Authorization").Single(), Does.StartWith("AWS4-HMAC-SHA256 Credential=AKIATESTKEYID0001/"));
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("application/json"));
        AssertJsonEqual(await request.Content!.ReadAsStringAsync(), expected);
    }

    [Test]
    public void CreateRequest_Streaming_UsesConverseStream()
    {
        using var request = new BedrockProviderAdapter().CreateRequest(Context("""{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}""", s_llm));

        Assert.That(request.RequestUri!.AbsolutePath, Is.EqualTo("/model/m/converse-stream"));
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("application/vnd.amazon.eventstream"));
    }

    [TestCase("""{"model":"m","n":2,"messages":[{"role":"user","content":"Hi"}]}""", "n")]
    [TestCase("""{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"Hi"}]}""", "response_format")]
    [TestCase("""{"model":"m","tool_choice":"none","messages":[{"role":"user","content":"Hi"}]}""", "tool_choice")]
    [TestCase("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""", "messages[0].content[0].image_url.url")]
    [TestCase("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}""", "messages[0].content[0].image_url.url")]
    public void Translate_WhatBedrockCannotHonour_Is400NamingTheField(string input, string param)
    {
        var ex = Assert.Throws<ModelRouterException>(() => BedrockRequestTranslator.Translate(Encoding.UTF8.GetBytes(input)));

        Assert.That((ex!.StatusCode, ex.Param), Is.EqualTo((400, param)));
    }

    [Test]
    public void Translate_ConverseAnswerWithToolUse_BecomesChatCompletion()
    {
        const string bedrock = """
            {
              "output": { "message": { "role": "assistant", "content": [
                { "text": "Let me look that up." },
                { "toolUse": { "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "top_song", "input": { "sign": "WZPZ" } } }
              ] } },
              "stopReason": "tool_use",
              "usage": { "inputTokens": 375, "outputTokens": 58, "totalTokens": 433, "cacheReadInputTokens": 100, "cacheWriteInputTokens": 0 },
              "metrics": { "latencyMs": 1470 }
            }
            """;
        const string expected = """
            {
              "id": "req-1", "object": "chat.completion", "created": 1700000000, "model": "amazon.nova-pro-v1:0",
              "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Let me look that up.",
                "tool_calls": [ { "id": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "type": "function", "function": { "name": "top_song", "arguments": "{\"sign\":\"WZPZ\"}" } } ] },
                "logprobs": null, "finish_reason": "tool_calls" } ],
              "usage": { "prompt_tokens": 475, "completion_tokens": 58, "total_tokens": 533, "prompt_tokens_details": { "cached_tokens": 100 } }
            }
            """;

        AssertJsonEqual(BedrockResponseTranslator.Translate(Encoding.UTF8.GetBytes(bedrock), "req-1", "amazon.nova-pro-v1:0", 1_700_000_000), expected);
    }

    [TestCase("max_tokens", "length")]
    [TestCase("end_turn", "stop")]
    [TestCase("stop_sequence", "stop")]
    [TestCase("guardrail_intervened", "content_filter")]
    [TestCase("content_filtered", "content_filter")]
    public void MapStopReason_IsOpenAIsFinishReason(string stopReason, string finish)
        => Assert.That(BedrockResponseTranslator.MapStopReason(stopReason), Is.EqualTo(finish));

    [TestCase(400, "ValidationException", "invalid_request_error")]
    [TestCase(403, "AccessDeniedException", "permission_error")]
    [TestCase(429, "ThrottlingException", "rate_limit_error")]
    [TestCase(503, "ServiceUnavailableException", "server_error")]
    [TestCase(424, "ModelErrorException", "server_error")]
    public async Task ReadErrorAsync_AwsError_BecomesOpenAIError(int status, string type, string openAIType)
    {
        using var response = Response((HttpStatusCode)status, """{"message":"It failed for bedrock-test-secret-access-key."}""");
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");

        var error = await new BedrockProviderAdapter().ReadErrorAsync(response, Context("""{"model":"m","messages":[]}""", s_llm), CancellationToken.None);

        Assert.That(error, Is.EqualTo(new UpstreamErrorInfo("It failed for ********.", openAIType, null, type)));
    }

    [Test]
    public async Task OpenStream_TextEvents_TranslateToChunksWithUsage()
    {
        const string expected = """
            [
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello wörld"},"logprobs":null,"finish_reason":null}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}},
              "[DONE]"
            ]
            """;

        var (sse, usage) = await ReadAllAsync(BedrockEvents.Text("Hello wörld", "max_tokens", 11, 4), includeUsage: true);

        AssertEventsEqual(sse, expected);
        Assert.That(usage, Is.EqualTo((11L, 4L)));
    }

    [Test]
    public async Task OpenStream_ToolUseEvents_StreamTheCallAndItsInput()
    {
        var stream = BedrockEvents.Stream(
            BedrockEvents.Event("messageStart", """{"role":"assistant"}"""),
            BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Checking."}}"""),
            BedrockEvents.Event("contentBlockStop", """{"contentBlockIndex":0}"""),
            BedrockEvents.Event("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_9","name":"get_weather"}}}"""),
            BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}}"""),
            BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}}"""),
            BedrockEvents.Event("contentBlockStop", """{"contentBlockIndex":1}"""),
            BedrockEvents.Event("messageStop", """{"stopReason":"tool_use"}"""),
            BedrockEvents.Event("metadata", """{"usage":{"inputTokens":20,"outputTokens":9,"totalTokens":29},"metrics":{"latencyMs":80}}"""));
        const string expected = """
            [
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking."},"logprobs":null,"finish_reason":null}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"tooluse_9","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"logprobs":null,"finish_reason":null}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"logprobs":null,"finish_reason":null}]},
              {"id":"req-7","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]},
              "[DONE]"
            ]
            """;

        var (sse, _) = await ReadAllAsync(stream, includeUsage: false);

        AssertEventsEqual(sse, expected);
    }

    [Test]
    public void OpenStream_MessageWithABadCrc_Throws()
    {
        var stream = BedrockEvents.Text("Hello");
        stream[^1] ^= 0x5A;

        var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream, includeUsage: false));

        Assert.That(ex!.InnerException, Is.InstanceOf<EventStreamChecksumFailureException>());
    }

    [Test]
    public void OpenStream_ThrottlingException_ThrowsWithItsType()
    {
        var stream = BedrockEvents.Stream(
            BedrockEvents.Event("messageStart", """{"role":"assistant"}"""),
            BedrockEvents.Exception("throttlingException", "Too many requests, please wait before trying again."));

        var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream, includeUsage: false));

        Assert.That(ex!.Message, Does.Contain("throttlingException").And.Contain("Too many requests"));
    }

    [Test]
    public void OpenStream_EndsBeforeMessageStop_Throws()
    {
        var stream = BedrockEvents.Stream(
            BedrockEvents.Event("messageStart", """{"role":"assistant"}"""),
            BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hel"}}"""));

        Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream[..^3], includeUsage: false));
        Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await ReadAllAsync(stream, includeUsage: false));
    }

    private static async Task<(string Sse, (long, long)? Usage)> ReadAllAsync(byte[] eventStream, bool includeUsage)
    {
        var request = includeUsage
            ? """{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"""
            : """{"model":"m","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";
        var content = new ByteArrayContent(eventStream);
        content.Headers.ContentType = new MediaTypeHeaderValue(BedrockEvents.MediaType);
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        response.Headers.TryAddWithoutValidation("x-amzn-RequestId", "req-7");
        var adapter = new BedrockProviderAdapter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now));
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
