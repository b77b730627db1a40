using System.ClientModel;
using System.Text;
using ModelRouter.Configuration;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.AnthropicProvider;

/// <summary>The official OpenAI SDK talks to the router, which talks Anthropic's wire format to a fake vendor, all on loopback.</summary>
public class AnthropicRouterIntegrationTests
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    [Test]
    public async Task CompleteChat_Text_ComesBackThroughTheRouter()
    {
        await using var fake = await FakeVendor.StartAsync("claude");
        await using var router = await StartRouterAsync(fake);

        ChatCompletion completion = await Client(router).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 100, Temperature = 0.5f, StopSequences = { "END" } });

        Assert.That(completion.Content.Single().Text, Is.EqualTo(FakeVendor.AnthropicReply));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(completion.Usage.InputTokenCount, Is.EqualTo(21));
        Assert.That(completion.Usage.OutputTokenCount, Is.EqualTo(9));
        Assert.That(completion.Usage.TotalTokenCount, Is.EqualTo(30));
        var sent = fake.Requests.Single();
        Assert.That(fake.AuthSchemes.Single(), Is.EqualTo("x-api-key"));
        Assert.That(FakeVendor.Get(sent, "model"), Is.EqualTo("claude-3-opus-20240229"));
        Assert.That(FakeVendor.Get(sent, "system"), Is.EqualTo("Be brief."));
        Assert.That(FakeVendor.Get(sent, "max_tokens"), Is.EqualTo("100"));
        Assert.That(FakeVendor.Get(sent, "stop_sequences.0"), Is.EqualTo("END"));
    }

    [Test]
    public async Task CompleteChat_ToolCallRoundTrip_TranslatesBothWays()
    {
        await using var fake = await FakeVendor.StartAsync("claude");
        await using var router = await StartRouterAsync(fake);
        var client = Client(router);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.That(first.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
        var call = first.ToolCalls.Single();
        Assert.That(call.Id, Is.EqualTo("toolu_fake01"));
        Assert.That(call.FunctionName, Is.EqualTo("get_weather"));
        Assert.That(call.FunctionArguments.ToString(), Is.EqualTo("""{"city":"Paris"}"""));
        Assert.That(first.Content.Single().Text, Is.EqualTo("Let me check."));

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18C and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.That(second.Content.Single().Text, Is.EqualTo(FakeVendor.AnthropicReply));
        var sent = fake.Requests.ToArray()[1];
        Assert.That(FakeVendor.Get(sent, "tools.0.name"), Is.EqualTo("get_weather"));
        Assert.That(FakeVendor.Get(sent, "messages.1.content.1.type"), Is.EqualTo("tool_use"));
        Assert.That(FakeVendor.Get(sent, "messages.1.content.1.input.city"), Is.EqualTo("Paris"));
        Assert.That(FakeVendor.Get(sent, "messages.2.role"), Is.EqualTo("user"));
        Assert.That(FakeVendor.Get(sent, "messages.2.content.0.type"), Is.EqualTo("tool_result"));
        Assert.That(FakeVendor.Get(sent, "messages.2.content.0.tool_use_id"), Is.EqualTo("toolu_fake01"));
    }

    [Test]
    public async Task CompleteChatStreaming_Text_StreamsWithUsage()
    {
        await using var fake = await FakeVendor.StartAsync("claude");
        await using var router = await StartRouterAsync(fake);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in Client(router).CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.That(text.ToString(), Is.EqualTo(FakeVendor.AnthropicReply));
        Assert.That(updates, Is.GreaterThan(2), "the text arrived in several chunks");
        Assert.That(finish, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(usage?.TotalTokenCount, Is.EqualTo(30));
        Assert.That(FakeVendor.Get(fake.Requests.Single(), "stream"), Is.EqualTo("true"));
    }

    [Test]
    public async Task CompleteChatStreaming_ToolCall_StreamsArguments()
    {
        await using var fake = await FakeVendor.StartAsync("claude");
        await using var router = await StartRouterAsync(fake);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };

        string? id = null, name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client(router).CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                Assert.That(call.Index, Is.Zero);
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.That(id, Is.EqualTo("toolu_fake01"));
        Assert.That(name, Is.EqualTo("get_weather"));
        Assert.That(arguments.ToString(), Is.EqualTo("""{"city": "Paris"}"""));
        Assert.That(finish, Is.EqualTo(ChatFinishReason.ToolCalls));
    }

    [Test]
    public async Task CompleteChat_WrongVendorKey_FailsWithoutLeakingTheKey()
    {
        await using var fake = await FakeVendor.StartAsync("claude");
        var llm = new LlmConfig { Id = "claude", Provider = ProviderKinds.Anthropic, BaseUrl = fake.Address.ToString(), ApiKey = "sk-ant-wrong-secret" };
        await using var router = await RouterHost.StartAsync((llm, "claude-3-opus-20240229"));

        var ex = Assert.ThrowsAsync<ClientResultException>(async () => await Client(router).CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.That(ex!.Status, Is.EqualTo(502), "rejected credentials are a vendor failure, not the client's fault");
        Assert.That(ex.Message, Does.Not.Contain("sk-ant-wrong-secret"));
    }

    private static Task<RouterHost> StartRouterAsync(FakeVendor fake)
        => RouterHost.StartAsync((
            new LlmConfig { Id = "claude", Provider = ProviderKinds.Anthropic, BaseUrl = fake.Address.ToString(), ApiKey = FakeVendor.AnthropicApiKey },
            "claude-3-opus-20240229"));

    private static ChatClient Client(RouterHost router)
        => new("gpt-4", new ApiKeyCredential("no-app-key-needed"), new OpenAIClientOptions
        {
            Endpoint = new Uri(router.Address, "router/prod/v1"),
            NetworkTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });
}
