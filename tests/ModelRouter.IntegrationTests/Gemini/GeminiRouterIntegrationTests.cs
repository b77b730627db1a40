using System.ClientModel;
using System.Text;
using ModelRouter.Configuration;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.GeminiProvider;

/// <summary>The official OpenAI SDK talks to the router, which talks Gemini's wire format to a fake vendor, all on loopback.</summary>
public class GeminiRouterIntegrationTests
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    [Test]
    public async Task CompleteChat_Text_ComesBackThroughTheRouter()
    {
        await using var fake = await FakeVendor.StartAsync("gemini");
        await using var router = await StartRouterAsync(fake);

        ChatCompletion completion = await Client(router).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 100, Temperature = 0.5f, StopSequences = { "END" } });

        Assert.That(completion.Content.Single().Text, Is.EqualTo(FakeVendor.GeminiReply));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That((completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount), Is.EqualTo((12, 7, 19)));
        Assert.That(fake.GeminiCalls.Single(), Is.EqualTo("gemini-2.0-flash:generateContent"));
        var sent = fake.Requests.Single();
        Assert.That(FakeVendor.Get(sent, "systemInstruction.parts.0.text"), Is.EqualTo("Be brief."));
        Assert.That(FakeVendor.Get(sent, "generationConfig.maxOutputTokens"), Is.EqualTo("100"));
        Assert.That(FakeVendor.Get(sent, "generationConfig.stopSequences.0"), Is.EqualTo("END"));
    }

    [Test]
    public async Task CompleteChat_ToolCallRoundTrip_TranslatesBothWays()
    {
        await using var fake = await FakeVendor.StartAsync("gemini");
        await using var router = await StartRouterAsync(fake);
        var client = Client(router);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.That(first.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
        var call = first.ToolCalls.Single();
        Assert.That(call.FunctionName, Is.EqualTo("get_weather"));
        Assert.That(call.FunctionArguments.ToString(), Is.EqualTo("""{"city":"Paris"}"""));
        Assert.That(first.Content.Single().Text, Is.EqualTo("Let me check."));

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18C and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.That(second.Content.Single().Text, Is.EqualTo(FakeVendor.GeminiReply));
        var sent = fake.Requests.ToArray()[1];
        Assert.That(FakeVendor.Get(sent, "tools.0.functionDeclarations.0.name"), Is.EqualTo("get_weather"));
        Assert.That(FakeVendor.Get(sent, "contents.1.role"), Is.EqualTo("model"));
        Assert.That(FakeVendor.Get(sent, "contents.1.parts.1.functionCall.args.city"), Is.EqualTo("Paris"));
        Assert.That(FakeVendor.Get(sent, "contents.2.parts.0.functionResponse.name"), Is.EqualTo("get_weather"));
        Assert.That(FakeVendor.Get(sent, "contents.2.parts.0.functionResponse.response.result"), Is.EqualTo("18C and sunny"));
    }

    [Test]
    public async Task CompleteChatStreaming_Text_StreamsWithUsage()
    {
        await using var fake = await FakeVendor.StartAsync("gemini");
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

        Assert.That(text.ToString(), Is.EqualTo(FakeVendor.GeminiReply));
        Assert.That(updates, Is.GreaterThan(2), "the text arrived in several chunks");
        Assert.That(finish, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(usage?.TotalTokenCount, Is.EqualTo(19));
        Assert.That(fake.GeminiCalls.Single(), Is.EqualTo("gemini-2.0-flash:streamGenerateContent?alt=sse"));
    }

    [Test]
    public async Task CompleteChatStreaming_ToolCall_StreamsTheCall()
    {
        await using var fake = await FakeVendor.StartAsync("gemini");
        await using var router = await StartRouterAsync(fake);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };

        string? name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client(router).CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.That(name, Is.EqualTo("get_weather"));
        Assert.That(arguments.ToString(), Is.EqualTo("""{"city":"Paris"}"""));
        Assert.That(finish, Is.EqualTo(ChatFinishReason.ToolCalls));
    }

    [Test]
    public async Task CompleteChat_WrongVendorKey_FailsWithoutLeakingTheKey()
    {
        await using var fake = await FakeVendor.StartAsync("gemini");
        var llm = new LlmConfig { Id = "gemini", Provider = ProviderKinds.Gemini, BaseUrl = fake.Address.ToString(), ApiKey = "AIza-wrong-secret-key-000" };
        await using var router = await RouterHost.StartAsync((llm, "gemini-2.0-flash"));

        var ex = Assert.ThrowsAsync<ClientResultException>(async () => await Client(router).CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.That(ex!.Status, Is.EqualTo(400), "Google answers a bad key with 400 INVALID_ARGUMENT");
        Assert.That(ex.Message, Does.Contain("API key not valid").And.Not.Contain("AIza-wrong-secret-key-000"));
    }

    private static Task<RouterHost> StartRouterAsync(FakeVendor fake)
        => RouterHost.StartAsync((
            new LlmConfig { Id = "gemini", Provider = ProviderKinds.Gemini, BaseUrl = fake.Address.ToString(), ApiKey = FakeVendor.GeminiApiKey },
            "gemini-2.0-flash"));

    private static ChatClient Client(RouterHost router)
        => new("gpt-4", new ApiKeyCredential("no-app-key-needed"), new OpenAIClientOptions
        {
            Endpoint = new Uri(router.Address, "router/prod/v1"),
            NetworkTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });
}
