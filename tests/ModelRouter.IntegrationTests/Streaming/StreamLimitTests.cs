using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;

namespace ModelRouter.IntegrationTests.Streaming;

/// <summary>
/// Hostile vendors over real HTTP: a stream event far larger than the response limit fails over while nothing has reached
/// the client, and ends the stream with an error event once something has; a stream ends at <c>[DONE]</c>.
/// </summary>
[TestFixture]
public sealed class StreamLimitTests
{
    private const int Limit = 256 * 1024;
    private const int OversizeBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private const string AnthropicHead = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    private const string AnthropicDeltaHead = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"";
    private const string AnthropicTail = "\"}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    private const string OpenAIDeltaHead = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
    private const string OpenAITail = "\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n";

    private LoopbackApp _hostile = null!;
    private FakeVendor _good = null!;
    private LoopbackApp _router = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _hostile = await LoopbackApp.StartAsync(_ => { }, app =>
        {
            // The flood: message_start, content_block_start, then one text delta 16 times the limit.
            app.MapPost("/anthropic-flood/v1/messages", context => SendAsync(context, AnthropicHead + AnthropicDeltaHead, OversizeBytes, AnthropicTail));

            // The same after a first, normal delta has gone out.
            app.MapPost("/anthropic-late/v1/messages", context => SendAsync(context, AnthropicHead + AnthropicDeltaHead + "Hello\"}}\n\n" + AnthropicDeltaHead, OversizeBytes, AnthropicTail));

            // An OpenAI stream whose first event is one line 16 times the limit.
            app.MapPost("/openai-flood/v1/chat/completions", context => SendAsync(context, OpenAIDeltaHead, OversizeBytes, OpenAITail));

            // The same after a first, normal event.
            app.MapPost("/openai-late/v1/chat/completions", context => SendAsync(context, OpenAIDeltaHead + "Hello\"},\"finish_reason\":null}]}\n\n" + OpenAIDeltaHead, OversizeBytes, OpenAITail));

            // A complete stream, and then more events every 100 ms for 30 s.
            app.MapPost("/after-done/v1/chat/completions", async context =>
            {
                await SendAsync(context, OpenAIDeltaHead + "Hello" + OpenAITail, 0, "");
                try
                {
                    for (var i = 0; i < 300; i++)
                    {
                        await context.Response.WriteAsync(OpenAIDeltaHead + "more" + OpenAITail, context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        await Task.Delay(100, context.RequestAborted);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The router let go.
                }
            });
        });
        _good = await FakeVendor.StartAsync("good");

        var hostile = _hostile.Address.ToString().TrimEnd('/');
        LlmConfig[] llms =
        [
            new() { Id = "anthropic-flood", Provider = ProviderKinds.Anthropic, BaseUrl = hostile + "/anthropic-flood", ApiKey = "sk-ant-1" },
            new() { Id = "anthropic-late", Provider = ProviderKinds.Anthropic, BaseUrl = hostile + "/anthropic-late", ApiKey = "sk-ant-2" },
            new() { Id = "openai-flood", BaseUrl = hostile + "/openai-flood/v1", ApiKey = "sk-1" },
            new() { Id = "openai-late", BaseUrl = hostile + "/openai-late/v1", ApiKey = "sk-2" },
            new() { Id = "after-done", BaseUrl = hostile + "/after-done/v1", ApiKey = "sk-3" },
            new() { Id = "good", BaseUrl = _good.BaseUrl, ApiKey = "sk-good" },
        ];
        var config = new ModelRouterConfig
        {
            Llms = llms,
            Routers =
            [
                Router("anthropic-flood", "anthropic-flood", "good"),
                Router("openai-flood", "openai-flood", "good"),
                Router("anthropic-late", "anthropic-late"),
                Router("openai-late", "openai-late"),
                Router("after-done", "after-done"),
            ],
        };
        _router = await LoopbackApp.StartAsync(
            services => services.AddModelRouter(o =>
            {
                o.RequireAppKey = false;
                o.MaxResponseBodyBytes = Limit;
            }).LoadFromMemory(config),
            app => app.MapModelRouter());
        _client = new HttpClient { BaseAddress = _router.Address, Timeout = s_deadline };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _router.DisposeAsync();
        await _good.DisposeAsync();
        await _hostile.DisposeAsync();
    }

    [TestCase("anthropic-flood")]
    [TestCase("openai-flood")]
    public async Task Stream_FirstEventOverTheLimit_FailsOverBeforeTheFirstByte(string slug)
    {
        using var response = await _client.SendAsync(StreamRequest(slug));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "good" }));
            Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "2" }));
            Assert.That(text.Contains("reply ", StringComparison.Ordinal) && text.EndsWith("data: [DONE]\n\n", StringComparison.Ordinal), Is.True, "the good vendor's whole answer");
            Assert.That(text.Contains("BBBB", StringComparison.Ordinal), Is.False, "nothing of the oversize event reached the client");
        });
    }

    [TestCase("anthropic-late")]
    [TestCase("openai-late")]
    public async Task Stream_EventOverTheLimitAfterTheFirst_EndsWithAnErrorEvent(string slug)
    {
        using var response = await _client.SendAsync(StreamRequest(slug), HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();

        var events = Sse.DataOf(text);
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(text.Length, Is.LessThan(2 * Limit), "the oversize event was cut at the limit");
            Assert.That(text.Contains("\"content\":\"Hello\"", StringComparison.Ordinal), Is.True, "the event before the oversize one went out");
            Assert.That(text.Contains("[DONE]", StringComparison.Ordinal), Is.False, "the stream did not complete");
        });
        var error = ErrorEnvelope.AssertBody(events[^1]);
        Assert.That(error.Code, Is.EqualTo("stream_interrupted"));
        Assert.That(error.Type, Is.EqualTo("upstream_error"));
    }

    [Test]
    public async Task Stream_VendorKeepsSendingAfterDone_ResponseEndsAtDone()
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await _client.SendAsync(StreamRequest("after-done"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.Multiple(() =>
        {
            Assert.That(text.Length < 10_000 ? text : text[..10_000], Is.EqualTo(OpenAIDeltaHead + "Hello" + OpenAITail));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        });
    }

    private static RouterConfig Router(string slug, params string[] llms) => new()
    {
        Slug = slug,
        Pools = [new PoolConfig { Name = "all", ModelPattern = "*", Vendors = [.. llms.Select(llm => new VendorConfig { Llm = llm })] }],
    };

    private static HttpRequestMessage StreamRequest(string slug) => new(HttpMethod.Post, $"router/{slug}/v1/chat/completions")
    {
        Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/event-stream") } },
    };

    /// <summary>Sends a stream: the prefix, then <paramref name="floodBytes"/> of <c>B</c> in 64 KiB writes, then the suffix; stops when the router lets go.</summary>
    private static async Task SendAsync(HttpContext context, string prefix, int floodBytes, string suffix)
    {
        context.Response.ContentType = "text/event-stream";
        var flood = Encoding.ASCII.GetBytes(new string('B', 64 * 1024));
        try
        {
            await context.Response.WriteAsync(prefix, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            for (var sent = 0; sent < floodBytes; sent += flood.Length)
            {
                await context.Response.Body.WriteAsync(flood.AsMemory(0, Math.Min(flood.Length, floodBytes - sent)), context.RequestAborted);
            }

            await context.Response.WriteAsync(suffix, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The router let go of the stream.
        }
    }
}
