using System.Net;
using ModelRouter.Model;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ModelRouter.Configuration;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;

namespace ModelRouter.Benchmarks;

/// <summary>
/// What the <c>anthropic</c> adapter costs over the <c>openai</c> pass-through, through each adapter's public surface:
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
    }

    [BenchmarkCategory("request"), Benchmark(Baseline = true, Description = "request: OpenAI pass-through")]
    public Task<long> OpenAIRequest() => SendOutAsync(_openAI, _openAIContext);

    [BenchmarkCategory("request"), Benchmark(Description = "request: OpenAI -> Anthropic")]
    public Task<long> AnthropicRequest() => SendOutAsync(_anthropic, _anthropicContext);

    [BenchmarkCategory("response"), Benchmark(Baseline = true, Description = "response: OpenAI pass-through")]
    public Task<int> OpenAIResponse() => ReadResponseAsync(_openAI, _openAIContext, _openAIResponse);

    [BenchmarkCategory("response"), Benchmark(Description = "response: Anthropic -> OpenAI")]
    public Task<int> AnthropicResponse() => ReadResponseAsync(_anthropic, _anthropicContext, _anthropicResponse);

    [BenchmarkCategory("stream"), Benchmark(Baseline = true, Description = "stream: OpenAI pass-through (~20 events)")]
    public Task<int> OpenAIStream() => DrainStreamAsync(_openAI, _openAIStreamContext, _openAIStream);

    [BenchmarkCategory("stream"), Benchmark(Description = "stream: Anthropic -> OpenAI (21 events)")]
    public Task<int> AnthropicStream() => DrainStreamAsync(_anthropic, _anthropicStreamContext, _anthropicStream);

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
}
