using System.Net;
using ModelRouter.Model;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ModelRouter.Configuration;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;
using ModelRouter.Upstream.Bedrock;
using ModelRouter.Upstream.Gemini;

namespace ModelRouter.Benchmarks;

/// <summary>
/// What the translating adapters (<c>anthropic</c>, <c>gemini</c>, <c>bedrock</c>) cost over the <c>openai</c> pass-through,
/// through each adapter's public surface (Bedrock's request includes its SigV4 signature):
/// building the vendor request (copied out as the HTTP stack sends it), reading a non-streamed answer, and reading a
/// stream of about 20 events to its end. Each category's baseline is the OpenAI adapter on the equivalent payload.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AnthropicTranslationBenchmarks
{
    private const string Text = "Paris is the capital of France. It sits on the Seine, has about two million inhabitants, and is known for the Louvre, the Eiffel Tower and its caf\\u00e9s.";
    private static readonly string[] s_deltas =
    [
        "Paris", " is", " the", " capital", " of", " France", ".", " It", " sits", " on", " the", " Seine", ",", " and", " is known for the Louvre.",
    ];

    private readonly OpenAIProviderAdapter _openAI = new();
    private readonly AnthropicProviderAdapter _anthropic = new(TimeProvider.System);
    private readonly GeminiProviderAdapter _gemini = new(TimeProvider.System);
    private readonly BedrockProviderAdapter _bedrock = new(TimeProvider.System);
    private ProviderRequestContext _geminiContext = null!;
    private ProviderRequestContext _geminiStreamContext = null!;
    private ProviderRequestContext _bedrockContext = null!;
    private ProviderRequestContext _bedrockStreamContext = null!;
    private byte[] _geminiResponse = null!;
    private byte[] _bedrockResponse = null!;
    private byte[] _geminiStream = null!;
    private byte[] _bedrockStream = null!;
    private ProviderRequestContext _openAIContext = null!;
    private ProviderRequestContext _anthropicContext = null!;
    private ProviderRequestContext _openAIStreamContext = null!;
    private ProviderRequestContext _anthropicStreamContext = null!;
    private byte[] _openAIResponse = null!;
    private byte[] _anthropicResponse = null!;
    private byte[] _openAIStream = null!;
    private byte[] _anthropicStream = null!;

    [GlobalSetup]
    public void Setup()
    {
        var openAILlm = new LlmSnapshot(new LlmConfig { Id = "openai", BaseUrl = "http://127.0.0.1:9000/v1", ApiKey = "sk-vendor" });
        var anthropicLlm = new LlmSnapshot(new LlmConfig { Id = "anthropic", Provider = ProviderKinds.Anthropic, BaseUrl = "http://127.0.0.1:9001", ApiKey = "sk-ant" });
        var request = ChatRequestBody.Parse(CreateRequest(stream: false));
        var streamRequest = ChatRequestBody.Parse(CreateRequest(stream: true));
        var modelJson = ChatRequestBody.EncodeModel("gpt-4o-2024-08-06");
        _openAIContext = new ProviderRequestContext(openAILlm, request, "gpt-4o-2024-08-06", modelJson, 1 << 20);
        _openAIStreamContext = new ProviderRequestContext(openAILlm, streamRequest, "gpt-4o-2024-08-06", modelJson, 1 << 20);
        _anthropicContext = new ProviderRequestContext(anthropicLlm, request, "claude-sonnet-4-5", ChatRequestBody.EncodeModel("claude-sonnet-4-5"), 1 << 20);
        _anthropicStreamContext = new ProviderRequestContext(anthropicLlm, streamRequest, "claude-sonnet-4-5", ChatRequestBody.EncodeModel("claude-sonnet-4-5"), 1 << 20);
        _openAIResponse = Encoding.UTF8.GetBytes(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
            + Text + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":52,\"completion_tokens\":38,\"total_tokens\":90},\"system_fingerprint\":\"fp_1\"}");
        _anthropicResponse = Encoding.UTF8.GetBytes(
            "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\""
            + Text + "\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":52,\"output_tokens\":38,\"cache_read_input_tokens\":0}}");
        _openAIStream = CreateOpenAIStream();
        _anthropicStream = CreateAnthropicStream();

        var geminiLlm = new LlmSnapshot(new LlmConfig { Id = "gemini", Provider = ProviderKinds.Gemini, BaseUrl = "http://127.0.0.1:9002", ApiKey = "AIza-vendor" });
        var bedrockLlm = new LlmSnapshot(new LlmConfig
        {
            Id = "bedrock", Provider = ProviderKinds.Bedrock, BaseUrl = "http://127.0.0.1:9003", Region = "us-east-1", AccessKeyId = "AKIABENCHMARK0001", ApiKey = "bedrock-benchmark-secret",
        });
        _geminiContext = new ProviderRequestContext(geminiLlm, request, "gemini-2.5-flash", ChatRequestBody.EncodeModel("gemini-2.5-flash"), 1 << 20);
        _geminiStreamContext = new ProviderRequestContext(geminiLlm, streamRequest, "gemini-2.5-flash", ChatRequestBody.EncodeModel("gemini-2.5-flash"), 1 << 20);
        const string BedrockModel = "anthropic.claude-sonnet-4-5-v1:0";
        _bedrockContext = new ProviderRequestContext(bedrockLlm, request, BedrockModel, ChatRequestBody.EncodeModel(BedrockModel), 1 << 20);
        _bedrockStreamContext = new ProviderRequestContext(bedrockLlm, streamRequest, BedrockModel, ChatRequestBody.EncodeModel(BedrockModel), 1 << 20);
        _geminiResponse = Encoding.UTF8.GetBytes(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + Text + "\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
            + "\"usageMetadata\":{\"promptTokenCount\":52,\"candidatesTokenCount\":38,\"totalTokenCount\":90},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r-1\"}");
        _bedrockResponse = Encoding.UTF8.GetBytes(
            "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"" + Text + "\"}]}},\"stopReason\":\"end_turn\","
            + "\"usage\":{\"inputTokens\":52,\"outputTokens\":38,\"totalTokens\":90},\"metrics\":{\"latencyMs\":400}}");
        _geminiStream = CreateGeminiStream();
        _bedrockStream = CreateBedrockStream();
    }

    [BenchmarkCategory("request"), Benchmark(Baseline = true, Description = "request: OpenAI pass-through")]
    public Task<long> OpenAIRequest() => SendOutAsync(_openAI, _openAIContext);

    [BenchmarkCategory("request"), Benchmark(Description = "request: OpenAI -> Anthropic")]
    public Task<long> AnthropicRequest() => SendOutAsync(_anthropic, _anthropicContext);

    [BenchmarkCategory("request"), Benchmark(Description = "request: OpenAI -> Gemini")]
    public Task<long> GeminiRequest() => SendOutAsync(_gemini, _geminiContext);

    [BenchmarkCategory("request"), Benchmark(Description = "request: OpenAI -> Bedrock (+ SigV4)")]
    public Task<long> BedrockRequest() => SendOutAsync(_bedrock, _bedrockContext);

    [BenchmarkCategory("response"), Benchmark(Baseline = true, Description = "response: OpenAI pass-through")]
    public Task<int> OpenAIResponse() => ReadResponseAsync(_openAI, _openAIContext, _openAIResponse);

    [BenchmarkCategory("response"), Benchmark(Description = "response: Anthropic -> OpenAI")]
    public Task<int> AnthropicResponse() => ReadResponseAsync(_anthropic, _anthropicContext, _anthropicResponse);

    [BenchmarkCategory("response"), Benchmark(Description = "response: Gemini -> OpenAI")]
    public Task<int> GeminiResponse() => ReadResponseAsync(_gemini, _geminiContext, _geminiResponse);

    [BenchmarkCategory("response"), Benchmark(Description = "response: Bedrock -> OpenAI")]
    public Task<int> BedrockResponse() => ReadResponseAsync(_bedrock, _bedrockContext, _bedrockResponse);

    [BenchmarkCategory("stream"), Benchmark(Baseline = true, Description = "stream: OpenAI pass-through (~20 events)")]
    public Task<int> OpenAIStream() => DrainStreamAsync(_openAI, _openAIStreamContext, _openAIStream);

    [BenchmarkCategory("stream"), Benchmark(Description = "stream: Anthropic -> OpenAI (21 events)")]
    public Task<int> AnthropicStream() => DrainStreamAsync(_anthropic, _anthropicStreamContext, _anthropicStream);

    [BenchmarkCategory("stream"), Benchmark(Description = "stream: Gemini -> OpenAI (16 events)")]
    public Task<int> GeminiStream() => DrainStreamAsync(_gemini, _geminiStreamContext, _geminiStream);

    [BenchmarkCategory("stream"), Benchmark(Description = "stream: Bedrock -> OpenAI (19 event-stream messages)")]
    public Task<int> BedrockStream() => DrainStreamAsync(_bedrock, _bedrockStreamContext, _bedrockStream);

    private static async Task<long> SendOutAsync(IProviderAdapter adapter, ProviderRequestContext context)
    {
        using var message = adapter.CreateRequest(context);
        await message.Content!.CopyToAsync(Stream.Null).ConfigureAwait(false);
        return message.Content.Headers.ContentLength ?? 0;
    }

    private static async Task<int> ReadResponseAsync(IProviderAdapter adapter, ProviderRequestContext context, byte[] body)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        var content = await adapter.ReadResponseAsync(response, context, CancellationToken.None).ConfigureAwait(false);
        return content.Length;
    }

    private static async Task<int> DrainStreamAsync(IProviderAdapter adapter, ProviderRequestContext context, byte[] body)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        var stream = adapter.OpenStream(response, context);
        await using (stream.ConfigureAwait(false))
        {
            var total = 0;
            while (true)
            {
                var chunk = await stream.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    return total;
                }

                total += chunk.Length;
            }
        }
    }

    /// <summary>A typical multi-turn chat request: system prompt, three turns, sampling options, one tool.</summary>
    private static byte[] CreateRequest(bool stream) => Encoding.UTF8.GetBytes(
        "{\"model\":\"gpt-4o\",\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are a helpful travel assistant. Answer briefly and cite sources.\"},"
        + "{\"role\":\"user\",\"content\":\"What is the capital of France?\"},"
        + "{\"role\":\"assistant\",\"content\":\"The capital of France is Paris.\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Tell me a little more about it, in two sentences.\"}]}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}],"
        + "\"temperature\":0.3,\"top_p\":0.9,\"max_tokens\":512,\"stop\":[\"\\n\\n\\n\"],\"user\":\"user-42\""
        + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}" : ",\"stream\":false}"));

    private static byte[] CreateOpenAIStream()
    {
        var sse = new StringBuilder();
        const string Head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\",\"choices\":[";
        sse.Append(Head).Append("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        foreach (var delta in s_deltas)
        {
            sse.Append(Head).Append("{\"index\":0,\"delta\":{\"content\":\"").Append(delta).Append("\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }

        sse.Append(Head).Append("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
        sse.Append(Head).Append("],\"usage\":{\"prompt_tokens\":52,\"completion_tokens\":38,\"total_tokens\":90}}\n\n");
        sse.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sse.ToString());
    }

    private static byte[] CreateAnthropicStream()
    {
        var sse = new StringBuilder();
        sse.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":52,\"output_tokens\":1}}}\n\n");
        sse.Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        sse.Append("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        foreach (var delta in s_deltas)
        {
            sse.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"").Append(delta).Append("\"}}\n\n");
        }

        sse.Append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        sse.Append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":38}}\n\n");
        sse.Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return Encoding.UTF8.GetBytes(sse.ToString());
    }

    private static byte[] CreateGeminiStream()
    {
        var sse = new StringBuilder();
        foreach (var delta in s_deltas)
        {
            sse.Append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"").Append(delta)
                .Append("\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":52,\"totalTokenCount\":52},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r-1\"}\r\n\r\n");
        }

        sse.Append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":52,\"candidatesTokenCount\":38,\"totalTokenCount\":90},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r-1\"}\r\n\r\n");
        return Encoding.UTF8.GetBytes(sse.ToString());
    }

    private static byte[] CreateBedrockStream()
    {
        var messages = new List<byte[]> { BedrockEvent("messageStart", "{\"role\":\"assistant\"}") };
        foreach (var delta in s_deltas)
        {
            messages.Add(BedrockEvent("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + delta + "\"},\"p\":\"abcdefghij\"}"));
        }

        messages.Add(BedrockEvent("contentBlockStop", "{\"contentBlockIndex\":0}"));
        messages.Add(BedrockEvent("messageStop", "{\"stopReason\":\"end_turn\"}"));
        messages.Add(BedrockEvent("metadata", "{\"usage\":{\"inputTokens\":52,\"outputTokens\":38,\"totalTokens\":90},\"metrics\":{\"latencyMs\":400}}"));
        return [.. messages.SelectMany(m => m)];
    }

    private static byte[] BedrockEvent(string eventType, string json)
    {
        var headers = new List<Amazon.Runtime.EventStreams.IEventStreamHeader>();
        foreach (var (name, value) in new[] { (":event-type", eventType), (":content-type", "application/json"), (":message-type", "event") })
        {
            var header = new Amazon.Runtime.EventStreams.EventStreamHeader(name);
            header.SetString(value);
            headers.Add(header);
        }

        return new Amazon.Runtime.EventStreams.EventStreamMessage(headers, Encoding.UTF8.GetBytes(json)).ToByteArray();
    }
}
