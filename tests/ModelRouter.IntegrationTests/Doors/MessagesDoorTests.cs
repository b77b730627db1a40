using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using global::Anthropic;
using global::Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.IntegrationTests.Doors;

/// <summary>
/// <c>POST /router/{slug}/v1/messages</c> over real HTTP with the official Anthropic SDK: passed through natively to an
/// Anthropic vendor, translated to chat completions and back for an OpenAI-compatible one, plain and streaming, with tools;
/// errors in Anthropic's shape; failover as on the chat door. Every failover case has its own router.
/// </summary>
[TestFixture]
public sealed class MessagesDoorTests
{
    private const string AppKey = "messages-app-key-01";
    private const string Tools = """[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]""";

    private FakeVendor _claude = null!;
    private FakeVendor _gpt = null!;
    private FakeVendor _fails500 = null!;
    private FakeVendor _fails429 = null!;
    private FakeVendor _rejects400 = null!;
    private FakeVendor _cutsAfterText = null!;
    private FakeVendor _cutsBeforeText = null!;
    private FakeVendor _healthy = null!;
    private FakeVendor _spare = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _claude = await FakeVendor.StartAsync("claude");
        _gpt = await FakeVendor.StartAsync("gpt", (context, request) => FakeVendor.AnswerWithToolsAsync(context, request, "reply from gpt"));
        _fails500 = await FakeVendor.StartAsync("fails-500", (context, _) =>
            FakeVendor.JsonAsync(context, 500, FakeVendor.Error("internal failure", "server_error", null, null)));
        _fails429 = await FakeVendor.StartAsync("fails-429", (context, _) =>
        {
            context.Response.Headers.RetryAfter = "20";
            return FakeVendor.JsonAsync(context, StatusCodes.Status429TooManyRequests, FakeVendor.Error("Rate limit reached", "requests", null, "rate_limit_exceeded"));
        });
        _rejects400 = await FakeVendor.StartAsync("rejects-400", (context, _) =>
            FakeVendor.JsonAsync(context, 400, FakeVendor.Error("Invalid value for 'temperature': 7 is above 2.", "invalid_request_error", "temperature", "invalid_value")));
        _cutsAfterText = await FakeVendor.StartAsync("cuts-after-text", async (context, request) =>
        {
            await FakeVendor.StartStreamAsync(context);
            await FakeVendor.WriteEventAsync(context, FakeVendor.Chunk(request.Model, "partial ", null));
            await FakeVendor.WriteEventAsync(context, "{\"choices\":[{\"delta\":{\"content\":");
        });
        _cutsBeforeText = await FakeVendor.StartAsync("cuts-before-text", async (context, request) =>
        {
            await FakeVendor.StartStreamAsync(context);
            var role = JsonNode.Parse(FakeVendor.Chunk(request.Model, null, null))!;
            role["choices"]![0]!["delta"] = new JsonObject { ["role"] = "assistant" };
            await FakeVendor.WriteEventAsync(context, role.ToJsonString());
            context.Abort();
        });
        _healthy = await FakeVendor.StartAsync("healthy");
        _spare = await FakeVendor.StartAsync("spare");
        var settings = new RouterSettings()
            .Llm("claude", _claude.Address.ToString(), FakeVendor.AnthropicApiKey, provider: "anthropic")
            .Llm(_gpt).Llm(_fails500).Llm(_rejects400)
            .Llm("fails-429-json", _fails429.BaseUrl, "llm-key-fails-429").Llm("fails-429-sse", _fails429.BaseUrl, "llm-key-fails-429").Llm(_cutsAfterText).Llm(_cutsBeforeText).Llm(_healthy).Llm(_spare)
            .Llm("refused", $"http://127.0.0.1:{LoopbackApp.RefusedPort()}/v1", "llm-key-refused")
            .Router("claude", RouterSettings.Vendor("claude", ("claude-sonnet", "claude-3-opus-20240229")))
            .Router("gpt", RouterSettings.Vendor("gpt", ("claude-sonnet", "gpt-4o-mini")))
            .Router("on-cut-after-text", RouterSettings.Vendor("cuts-after-text"), RouterSettings.Vendor("healthy"))
            .Router("on-cut-before-text", RouterSettings.Vendor("cuts-before-text"), RouterSettings.Vendor("healthy"));
        foreach (var mode in new[] { "json", "sse" })
        {
            settings
                .Router("on-500-" + mode, RouterSettings.Vendor("fails-500"), RouterSettings.Vendor("healthy"))
                .Router("on-429-" + mode, RouterSettings.Vendor("fails-429-" + mode), RouterSettings.Vendor("healthy"))
                .Router("on-refused-" + mode, RouterSettings.Vendor("refused"), RouterSettings.Vendor("healthy"))
                .Router("on-400-" + mode, RouterSettings.Vendor("rejects-400"), RouterSettings.Vendor("spare"));
        }

        _router = await RouterHost.StartAsync(settings.App("claude-code", AppKey, "*"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        foreach (var vendor in new[] { _claude, _gpt, _fails500, _fails429, _rejects400, _cutsAfterText, _cutsBeforeText, _healthy, _spare })
        {
            await vendor.DisposeAsync();
        }
    }

    [Test]
    public async Task Create_AnthropicVendor_PassesThroughWithTheMappedModel()
    {
        var before = _claude.Requests.Count;

        var message = await Client("claude").Messages.Create(new MessageCreateParams
        {
            MaxTokens = 256,
            Messages = [new UserMessageParam("Hello")],
            Model = "claude-sonnet",
        });

        Assert.That(message.ID, Is.EqualTo("msg_fake01"));
        Assert.That(message.Content.Single().TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo(FakeVendor.AnthropicReply));
        Assert.That(message.Usage.InputTokens, Is.EqualTo(21));
        Assert.That(message.Usage.OutputTokens, Is.EqualTo(9));
        var sent = _claude.Requests.Skip(before).Single();
        Assert.That(sent.Model, Is.EqualTo("claude-3-opus-20240229"));
        Assert.That(sent.Headers["x-api-key"], Is.EqualTo(FakeVendor.AnthropicApiKey), "the vendor gets its own key, never the app's");
        Assert.That(sent.Headers.ContainsKey("Authorization"), Is.False);
    }

    [Test]
    public async Task Messages_AnthropicVendor_ForwardsTheBodyByteForByteButTheModel()
    {
        var before = _claude.Requests.Count;
        const string body = """
            {"model":"claude-sonnet","max_tokens":1024,
             "system":[{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}}],
             "thinking":{"type":"enabled","budget_tokens":512},
             "messages":[{"role":"user","content":"Hi"},
                         {"role":"assistant","content":[{"type":"thinking","thinking":"Let me think…","signature":"sig-abc=="},{"type":"text","text":"Hello"}]},
                         {"role":"user","content":[{"type":"text","text":"More","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}
            """;
        using var request = Post("claude", body);
        request.Headers.Add("anthropic-version", "2099-01-01");
        request.Headers.Add("anthropic-beta", "prompt-caching-2024-07-31,interleaved-thinking-2025-05-14");

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.EqualTo("claude"));
        Assert.That(response.Headers.GetValues("x-model-router-trail").Single(), Is.EqualTo("claude=ok"));
        var sent = _claude.Requests.Skip(before).Single();
        Assert.That(sent.Body, Is.EqualTo(body.Replace("\"model\":\"claude-sonnet\"", "\"model\":\"claude-3-opus-20240229\"", StringComparison.Ordinal)));
        Assert.That(sent.Headers["anthropic-version"], Is.EqualTo("2099-01-01"));
        Assert.That(sent.Headers["anthropic-beta"], Is.EqualTo("prompt-caching-2024-07-31,interleaved-thinking-2025-05-14"));
    }

    [Test]
    public async Task CreateStreaming_AnthropicVendor_RelaysTheEventsWithTools()
    {
        var (text, json, stop) = await StreamAsync(Client("claude"), ToolParams(stream: true));

        Assert.That(text, Is.EqualTo("Let me check."));
        Assert.That(json, Is.EqualTo("""{"city": "Paris"}"""));
        Assert.That(stop, Is.EqualTo("tool_use"));
    }

    [Test]
    public async Task Messages_Streaming_SendsEventLines()
    {
        using var response = await _router.Client.SendAsync(Post("claude", """{"model":"claude-sonnet","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}"""));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        Assert.That(sse, Does.StartWith("event: message_start\ndata: {"));
        Assert.That(sse, Does.EndWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        Assert.That(sse, Does.Contain("event: content_block_delta\n"));
    }

    [Test]
    public async Task Create_OpenAIVendor_TranslatesBothWays()
    {
        var before = _gpt.Requests.Count;

        var message = await Client("gpt").Messages.Create(new MessageCreateParams
        {
            MaxTokens = 100,
            Messages = [new UserMessageParam("Hello")],
            Model = "claude-sonnet",
            System = "Be brief.",
            StopSequences = ["END"],
        });

        Assert.That(message.Content.Single().TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo("reply from gpt"));
        Assert.That(message.StopReason?.Raw(), Is.EqualTo("end_turn"));
        Assert.That(message.Usage.InputTokens, Is.EqualTo(1));
        Assert.That(message.Usage.OutputTokens, Is.EqualTo(1));
        var sent = _gpt.Requests.Skip(before).Single();
        Assert.That(sent.Path, Is.EqualTo("/v1/chat/completions"));
        Assert.That(sent.Model, Is.EqualTo("gpt-4o-mini"));
        Assert.That(FakeVendor.Get(sent, "messages.0.role"), Is.EqualTo("system"));
        Assert.That(FakeVendor.Get(sent, "messages.0.content"), Is.EqualTo("Be brief."));
        Assert.That(FakeVendor.Get(sent, "messages.1.content"), Is.EqualTo("Hello"));
        Assert.That(FakeVendor.Get(sent, "max_tokens"), Is.EqualTo("100"));
        Assert.That(FakeVendor.Get(sent, "stop.0"), Is.EqualTo("END"));
    }

    [Test]
    public async Task Create_OpenAIVendor_ToolRoundTripTranslatesBothWays()
    {
        var before = _gpt.Requests.Count;
        var client = Client("gpt");

        var first = await client.Messages.Create(ToolParams(stream: false));

        Assert.That(first.StopReason?.Raw(), Is.EqualTo("tool_use"));
        Assert.That(first.Content[0].TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo("Let me check."));
        Assert.That(first.Content[1].TryPickToolUse(out var tool), Is.True);
        Assert.That((tool!.ID, tool.Name, tool.Input["city"].GetString()), Is.EqualTo(("call_fake01", "get_weather", "Paris")));
        Assert.That(first.Usage.InputTokens, Is.EqualTo(30));
        var offered = _gpt.Requests.Skip(before).Single();
        Assert.That(FakeVendor.Get(offered, "tools.0.type"), Is.EqualTo("function"));
        Assert.That(FakeVendor.Get(offered, "tools.0.function.name"), Is.EqualTo("get_weather"));
        Assert.That(FakeVendor.Get(offered, "tools.0.function.parameters.required.0"), Is.EqualTo("city"));

        var second = await client.Messages.Create(Params($$$"""
            {"model":"claude-sonnet","max_tokens":256,"tools":{{{Tools}}},"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"call_fake01","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_fake01","content":"18C and sunny"},{"type":"text","text":"Thanks"}]}]}
            """));

        Assert.That(second.Content.Single().TryPickText(out var answer), Is.True);
        Assert.That(answer!.Text, Is.EqualTo("reply from gpt"));
        var sent = _gpt.Requests.ToArray()[before + 1];
        Assert.That(_gpt.Requests, Has.Count.EqualTo(before + 2), () => string.Join("\n", _gpt.Requests.Skip(before).Select(r => r.Path + " " + r.Body)));
        Assert.That(FakeVendor.Get(sent, "messages.1.role"), Is.EqualTo("assistant"));
        Assert.That(FakeVendor.Get(sent, "messages.1.tool_calls.0.id"), Is.EqualTo("call_fake01"));
        Assert.That(FakeVendor.Get(sent, "messages.1.tool_calls.0.function.arguments"), Is.EqualTo("""{"city":"Paris"}"""));
        Assert.That(FakeVendor.Get(sent, "messages.2.role"), Is.EqualTo("tool"));
        Assert.That(FakeVendor.Get(sent, "messages.2.tool_call_id"), Is.EqualTo("call_fake01"));
        Assert.That(FakeVendor.Get(sent, "messages.2.content"), Is.EqualTo("18C and sunny"));
        Assert.That(FakeVendor.Get(sent, "messages.3.content"), Is.EqualTo("Thanks"));
    }

    [Test]
    public async Task CreateStreaming_OpenAIVendor_TranslatesTextAndToolUse()
    {
        var before = _gpt.Requests.Count;

        var (text, json, stop) = await StreamAsync(Client("gpt"), ToolParams(stream: true));

        Assert.That(text, Is.EqualTo("Let me check."));
        Assert.That(json, Is.EqualTo("""{"city":"Paris"}"""));
        Assert.That(stop, Is.EqualTo("tool_use"));
        var sent = _gpt.Requests.Skip(before).Single();
        Assert.That(FakeVendor.Get(sent, "stream"), Is.EqualTo("true"));
        Assert.That(FakeVendor.Get(sent, "stream_options.include_usage"), Is.EqualTo("true"));
    }

    [Test]
    public async Task CreateStreaming_OpenAIVendor_AggregatesToACompleteMessageWithUsage()
    {
        var message = await Client("gpt").Messages.CreateStreaming(new MessageCreateParams
        {
            MaxTokens = 64,
            Messages = [new UserMessageParam("Hello")],
            Model = "claude-sonnet",
        }).Aggregate();

        Assert.That(message.Content.Single().TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo("reply from gpt "));
        Assert.That(message.StopReason?.Raw(), Is.EqualTo("end_turn"));
    }

    [Test]
    public async Task Messages_OpenAIVendor_ImageBecomesAnImageUrlPart()
    {
        var before = _gpt.Requests.Count;
        using var response = await _router.Client.SendAsync(Post("gpt", """
            {"model":"claude-sonnet","max_tokens":64,"messages":[{"role":"user","content":[
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
              {"type":"text","text":"What is this?"}]}]}
            """));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var sent = _gpt.Requests.Skip(before).Single();
        Assert.That(FakeVendor.Get(sent, "messages.0.content.0.image_url.url"), Is.EqualTo("data:image/png;base64,iVBORw0KGgo="));
        Assert.That(FakeVendor.Get(sent, "messages.0.content.1.image_url.url"), Is.EqualTo("https://example.com/cat.jpg"));
        Assert.That(FakeVendor.Get(sent, "messages.0.content.2.text"), Is.EqualTo("What is this?"));
    }

    [TestCase("500", false)]
    [TestCase("500", true)]
    [TestCase("429", false)]
    [TestCase("429", true)]
    [TestCase("refused", false)]
    [TestCase("refused", true)]
    public async Task Messages_FirstVendorFails_SecondVendorAnswers(string failure, bool streaming)
    {
        var healthyBefore = _healthy.Requests.Count;

        using var response = await _router.Client.SendAsync(Post($"on-{failure}-{(streaming ? "sse" : "json")}", Body(streaming)));
        var answer = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer);
        Assert.That(answer, Does.Contain(streaming ? "\"text\":\"healthy \"" : "reply from healthy"));
        Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.EqualTo("healthy"));
        Assert.That(response.Headers.GetValues("x-model-router-attempts").Single(), Is.EqualTo("2"));
        Assert.That(_healthy.Requests.Count - healthyBefore, Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Messages_FirstVendorAnswers400_NoFailoverAndAnthropicErrorShape(bool streaming)
    {
        var spareBefore = _spare.Requests.Count;

        using var response = await _router.Client.SendAsync(Post($"on-400-{(streaming ? "sse" : "json")}", Body(streaming)));

        var error = await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.That(error, Does.Contain("Invalid value for 'temperature': 7 is above 2."));
        Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.EqualTo("rejects-400"));
        Assert.That(_spare.Requests.Count - spareBefore, Is.Zero);
    }

    [Test]
    public async Task MessagesStream_BrokenBeforeItsFirstContent_FailsOver()
    {
        using var response = await _router.Client.SendAsync(Post("on-cut-before-text", Body(streaming: true)));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.That(sse, Does.Contain("\"text\":\"healthy \""));
        Assert.That(response.Headers.GetValues("x-model-router-trail").Single(), Does.StartWith("cuts-before-text=").And.EndWith(";healthy=ok"));
    }

    [Test]
    public async Task MessagesStream_BrokenAfterItsFirstContent_EndsWithAnAnthropicErrorEvent()
    {
        var healthyBefore = _healthy.Requests.Count;

        using var response = await _router.Client.SendAsync(Post("on-cut-after-text", Body(streaming: true)));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(sse, Does.Contain("\"text\":\"partial \""));
        var last = sse.TrimEnd('\n').Split("\n\n")[^1];
        Assert.That(last, Does.StartWith("event: error\ndata: "));
        var error = JsonNode.Parse(last["event: error\ndata: ".Length..])!;
        Assert.That(error["type"]!.GetValue<string>(), Is.EqualTo("error"));
        Assert.That(error["error"]!["type"]!.GetValue<string>(), Is.EqualTo("api_error"));
        Assert.That(_healthy.Requests.Count - healthyBefore, Is.Zero, "once a byte is out, nothing fails over");
    }

    [Test]
    public async Task Messages_WithoutAppKey_Answers401InAnthropicShape()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/router/claude/v1/messages") { Content = new StringContent(Body(false), Encoding.UTF8, "application/json") };

        using var response = await _router.Client.SendAsync(request);

        var message = await AssertAnthropicErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.That(message, Does.Contain("x-api-key"));
    }

    [Test]
    public async Task Messages_AppKeyAsBearer_IsAccepted()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/router/claude/v1/messages") { Content = new StringContent(Body(false), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AppKey);

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("{", "invalid_request_error", HttpStatusCode.BadRequest)]
    [TestCase("""{"max_tokens":5,"messages":[]}""", "invalid_request_error", HttpStatusCode.BadRequest)]
    public async Task Messages_BadBody_AnswersInAnthropicShape(string body, string type, HttpStatusCode status)
    {
        using var response = await _router.Client.SendAsync(Post("claude", body));

        await AssertAnthropicErrorAsync(response, status, type);
    }

    [Test]
    public async Task Messages_UnknownRouter_Answers404NotFoundError()
    {
        using var response = await _router.Client.SendAsync(Post("nope", Body(false)));

        await AssertAnthropicErrorAsync(response, HttpStatusCode.NotFound, "not_found_error");
    }

    [Test]
    public async Task Messages_OpenAIVendorAndAServerTool_Answers400NamingTheTool()
    {
        using var response = await _router.Client.SendAsync(Post("gpt", """
            {"model":"claude-sonnet","max_tokens":64,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"Hi"}]}
            """));

        var message = await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.That(message, Does.Contain("web_search_20250305"));
    }

    private static string Body(bool streaming)
        => $$"""{"model":"claude-sonnet","max_tokens":64,"stream":{{(streaming ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""";

    private static MessageCreateParams ToolParams(bool stream) => Params($$"""
        {"model":"claude-sonnet","max_tokens":256,"tools":{{Tools}},"messages":[{"role":"user","content":"Weather in Paris? [tool]"}]}
        """);

    /// <summary>The SDK's parameters from the request's JSON, as a client that builds them from configuration would.</summary>
    private static MessageCreateParams Params(string json)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        return MessageCreateParams.FromRawUnchecked(new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(), body);
    }

    private static async Task<(string Text, string Json, string? Stop)> StreamAsync(AnthropicClient client, MessageCreateParams parameters)
    {
        var text = new StringBuilder();
        var json = new StringBuilder();
        string? stop = null;
        await foreach (var streamEvent in client.Messages.CreateStreaming(parameters))
        {
            if (streamEvent.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickText(out var textDelta))
                {
                    text.Append(textDelta.Text);
                }
                else if (delta.Delta.TryPickInputJson(out var inputJson))
                {
                    json.Append(inputJson.PartialJson);
                }
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.StopReason?.Raw();
            }
        }

        return (text.ToString(), json.ToString(), stop);
    }

    private static async Task<string> AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var root = JsonNode.Parse(text)!.AsObject();
        Assert.That(root.Select(p => p.Key), Is.EqualTo(new[] { "type", "error" }), text);
        Assert.That(root["type"]!.GetValue<string>(), Is.EqualTo("error"));
        Assert.That(root["error"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "type", "message" }), text);
        Assert.That(root["error"]!["type"]!.GetValue<string>(), Is.EqualTo(type), text);
        return root["error"]!["message"]!.GetValue<string>();
    }

    private static HttpRequestMessage Post(string slug, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/router/{slug}/v1/messages") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", AppKey);
        return request;
    }

    private AnthropicClient Client(string slug) => new()
    {
        BaseUrl = new Uri(_router.Address, $"router/{slug}").ToString(),
        ApiKey = AppKey,
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
    };
}
