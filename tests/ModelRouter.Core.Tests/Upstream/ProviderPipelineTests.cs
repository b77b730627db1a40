using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;

namespace ModelRouter.Tests.Upstream;

/// <summary>The adapters inside the routing pipeline: failover on 529, errors passed through, 400s before any call.</summary>
public class ProviderPipelineTests
{
    private const string OpenAIAnswer = """{"id":"chatcmpl-b","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"from B"},"finish_reason":"stop"}]}""";

    [Test]
    public async Task Route_Anthropic529_FailsOverToNextVendor()
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages")
            .Respond((HttpStatusCode)529, "application/json", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
        var openAI = mock.When(HttpMethod.Post, "https://openai.example/v1/chat/completions").Respond("application/json", OpenAIAnswer);
        await using var services = Build(mock);

        await using var answer = await Route(services, """{"model":"gpt-4","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.That(mock.GetMatchCount(anthropic), Is.EqualTo(1));
        Assert.That(mock.GetMatchCount(openAI), Is.EqualTo(1));
        Assert.That(answer.Llm, Is.EqualTo("b"));
        Assert.That(answer.Attempts, Is.EqualTo(2));
        Assert.That(Encoding.UTF8.GetString(answer.Content.Span), Does.Contain("from B"));
    }

    [Test]
    public async Task Route_AnthropicStreamErrorBeforeFirstEvent_FailsOver()
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages")
            .Respond("text/event-stream", "event: ping\ndata: {\"type\":\"ping\"}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        mock.When(HttpMethod.Post, "https://openai.example/v1/chat/completions")
            .Respond("text/event-stream", "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"B\"}}]}\n\ndata: [DONE]\n\n");
        await using var services = Build(mock);

        await using var answer = await Route(services, """{"model":"gpt-4","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.That(mock.GetMatchCount(anthropic), Is.EqualTo(1));
        Assert.That(answer.Llm, Is.EqualTo("b"));
        Assert.That(answer.IsStreaming, Is.True);
    }

    [Test]
    public async Task Route_Anthropic400_IsPassedThroughInOpenAIShape()
    {
        using var mock = new MockHttpMessageHandler();
        mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages")
            .Respond(HttpStatusCode.BadRequest, "application/json", """{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}""");
        await using var services = Build(mock);

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await Route(services, """{"model":"gpt-4","messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(ex.ErrorType, Is.EqualTo("invalid_request_error"));
        Assert.That(ex.Message, Is.EqualTo("messages: roles must alternate"));
        Assert.That(ex.Llm, Is.EqualTo("a"));
    }

    [Test]
    public async Task Route_UnsupportedParameter_Is400WithoutCallingTheVendor()
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages").Respond("application/json", "{}");
        await using var services = Build(mock);

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await Route(services, """{"model":"gpt-4","n":3,"messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.That(ex!.StatusCode, Is.EqualTo(400));
        Assert.That(ex.Param, Is.EqualTo("n"));
        Assert.That(mock.GetMatchCount(anthropic), Is.Zero);
    }

    [TestCase("""{"model":"gpt-4","messages":[{"role":"user","content":"Hi \ud800"}]}""")]
    [TestCase("""{"model":"gpt-4","messages":[{"role":"user","content":[{"type":"text","text":"\udc00"}]}]}""")]
    [TestCase("""{"model":"gpt-4","messages":[{"role":"system","content":"\ud800"},{"role":"user","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","messages":[{"role":"us\ud800er","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","user":"\ud800","messages":[{"role":"user","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","stop":["\ud800"],"messages":[{"role":"user","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","tools":[{"type":"function","function":{"name":"f","description":"\ud800"}}],"messages":[{"role":"user","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","tool_choice":"\ud800","messages":[{"role":"user","content":"Hi"}]}""")]
    [TestCase("""{"model":"gpt-4","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":\"\\ud800\"}"}}]}]}""")]
    public async Task Route_AnthropicFieldWithLoneSurrogate_Is400WithoutCallingTheVendor(string body)
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages").Respond("application/json", "{}");
        await using var services = Build(mock);

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await Route(services, body));

        Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(mock.GetMatchCount(anthropic), Is.Zero);
    }

    [TestCase("content")]
    [TestCase("role")]
    public async Task Route_AnthropicFieldNotValidUtf8_Is400WithoutCallingTheVendor(string field)
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages").Respond("application/json", "{}");
        await using var services = Build(mock);
        byte[] content = field == "content" ? [.. "Hi "u8, 0xFF] : "Hi"u8.ToArray();
        byte[] role = field == "role" ? [.. "us"u8, 0xC3, .. "er"u8] : "user"u8.ToArray();
        byte[] body = [.. "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\""u8, .. role, .. "\",\"content\":\""u8, .. content, .. "\"}]}"u8];

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () =>
            await services.GetRequiredService<IModelRouter>().RouteAsync(new ModelRouterRequest("prod", body)));

        Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(mock.GetMatchCount(anthropic), Is.Zero);
    }

    [Test]
    public async Task Route_AnthropicAnswer_IsTranslatedWithMappedModel()
    {
        using var mock = new MockHttpMessageHandler();
        var anthropic = mock.When(HttpMethod.Post, "https://anthropic.example/v1/messages")
            .WithHeaders("x-api-key", "sk-ant-secret")
            .WithPartialContent("\"model\":\"claude-3-opus-20240229\"")
            .Respond("application/json", """{"id":"msg_1","type":"message","role":"assistant","model":"claude-3-opus-20240229","content":[{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}""");
        await using var services = Build(mock);

        await using var answer = await Route(services, """{"model":"gpt-4","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.That(mock.GetMatchCount(anthropic), Is.EqualTo(1));
        Assert.That(answer.Llm, Is.EqualTo("a"));
        Assert.That(Encoding.UTF8.GetString(answer.Content.Span), Does.Contain("\"content\":\"Hi!\"").And.Contain("\"total_tokens\":5"));
    }

    private static ServiceProvider Build(MockHttpMessageHandler mock)
    {
        var services = new ServiceCollection();
        services.AddModelRouter(o => o.RequireAppKey = false)
            .LoadFromMemory(new ModelRouterConfig
            {
                Llms =
                [
                    new LlmConfig { Id = "a", Provider = ProviderKinds.Anthropic, BaseUrl = "https://anthropic.example", ApiKey = "sk-ant-secret" },
                    new LlmConfig { Id = "b", Provider = ProviderKinds.OpenAI, BaseUrl = "https://openai.example/v1", ApiKey = "sk-oai" },
                ],
                Routers =
                [
                    new RouterConfig
                    {
                        Slug = "prod",
                        Pools =
                        [
                            new PoolConfig
                            {
                                Name = "all",
                                ModelPattern = "*",
                                Vendors =
                                [
                                    new VendorConfig { Llm = "a", ModelMappings = [new ModelMappingConfig { Source = "gpt-4", Target = "claude-3-opus-20240229" }] },
                                    new VendorConfig { Llm = "b" },
                                ],
                            },
                        ],
                    },
                ],
            })
            .ConfigureHttpClient(b => b.ConfigurePrimaryHttpMessageHandler(() => mock));
        return services.BuildServiceProvider();
    }

    private static ValueTask<ModelRouterResponse> Route(ServiceProvider services, string body)
        => services.GetRequiredService<IModelRouter>().RouteAsync(new ModelRouterRequest("prod", Encoding.UTF8.GetBytes(body)));
}
