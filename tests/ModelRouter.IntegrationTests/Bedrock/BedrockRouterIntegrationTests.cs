using System.ClientModel;
using System.Text;
using ModelRouter.Configuration;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.BedrockProvider;

/// <summary>
/// The official OpenAI SDK talks to the router, which signs Converse requests with SigV4 for a fake Bedrock that verifies
/// every signature by recomputing it, all on loopback.
/// </summary>
public class BedrockRouterIntegrationTests
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    [Test]
    public async Task CompleteChat_Text_IsSignedAndComesBackThroughTheRouter()
    {
        await using var fake = await FakeVendor.StartAsync("bedrock");
        await using var router = await StartRouterAsync(fake);

        ChatCompletion completion = await Client(router).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hello")],
            new ChatCompletionOptions { MaxOutputTokenCount = 100, Temperature = 0.5f });

        Assert.That(fake.VerifiedSignatures, Is.EqualTo(1), "the fake recomputed the signature and it matched");
        Assert.That(completion.Content.Single().Text, Is.EqualTo(FakeVendor.BedrockReply));
        Assert.That(completion.Id, Is.EqualTo("fake-bedrock-request-1"));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That((completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount), Is.EqualTo((14, 6)));
        var sent = fake.Requests.Single();
        Assert.That(FakeVendor.Get(sent, "system.0.text"), Is.EqualTo("Be brief."));
        Assert.That(FakeVendor.Get(sent, "inferenceConfig.maxTokens"), Is.EqualTo("100"));
        Assert.That(sent.Headers["Authorization"], Does.Not.Contain(FakeVendor.BedrockSecretKey));
    }

    [Test]
    public async Task CompleteChat_ToolCallRoundTrip_TranslatesBothWays()
    {
        await using var fake = await FakeVendor.StartAsync("bedrock");
        await using var router = await StartRouterAsync(fake);
        var client = Client(router);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.That(first.FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
        var call = first.ToolCalls.Single();
        Assert.That((call.Id, call.FunctionName, call.FunctionArguments.ToString()), Is.EqualTo(("tooluse_fake01", "get_weather", """{"city":"Paris"}""")));

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18C and sunny"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.That(second.Content.Single().Text, Is.EqualTo(FakeVendor.BedrockReply));
        Assert.That(fake.VerifiedSignatures, Is.EqualTo(2));
        var sent = fake.Requests.ToArray()[1];
        Assert.That(FakeVendor.Get(sent, "toolConfig.tools.0.toolSpec.name"), Is.EqualTo("get_weather"));
        Assert.That(FakeVendor.Get(sent, "messages.1.content.1.toolUse.input.city"), Is.EqualTo("Paris"));
        Assert.That(FakeVendor.Get(sent, "messages.2.content.0.toolResult.toolUseId"), Is.EqualTo("tooluse_fake01"));
    }

    [Test]
    public async Task CompleteChatStreaming_TextAndToolCall_DecodeTheEventStream()
    {
        await using var fake = await FakeVendor.StartAsync("bedrock");
        await using var router = await StartRouterAsync(fake);

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Client(router).CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema)) } };
        var arguments = new StringBuilder();
        ChatFinishReason? toolFinish = null;
        await foreach (var update in Client(router).CompleteChatStreamingAsync([new UserChatMessage("Weather?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            toolFinish ??= update.FinishReason;
        }

        Assert.That((text.ToString(), finish), Is.EqualTo((FakeVendor.BedrockReply, (ChatFinishReason?)ChatFinishReason.Stop)));
        Assert.That((arguments.ToString(), toolFinish), Is.EqualTo(("""{"city": "Paris"}""", (ChatFinishReason?)ChatFinishReason.ToolCalls)));
        Assert.That(fake.VerifiedSignatures, Is.EqualTo(2));
    }

    [Test]
    public async Task CompleteChat_WrongSecret_IsRefusedBySignatureAndFailsWithoutLeakingIt()
    {
        await using var fake = await FakeVendor.StartAsync("bedrock");
        var llm = Llm(fake) with { ApiKey = "wrongBedrockSecretKey/0123456789abcdefghij" };
        await using var router = await RouterHost.StartAsync((llm, "anthropic.claude-3-haiku-20240307-v1:0"));

        var ex = Assert.ThrowsAsync<ClientResultException>(async () => await Client(router).CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.That(fake.VerifiedSignatures, Is.Zero);
        Assert.That(ex!.Status, Is.EqualTo(502), "a refused signature is a credentials failure of the vendor, not the client's fault");
        Assert.That(ex.Message, Does.Not.Contain("wrongBedrockSecretKey"));
    }

    private static LlmConfig Llm(FakeVendor fake) => new()
    {
        Id = "bedrock", Provider = ProviderKinds.Bedrock, BaseUrl = fake.Address.ToString(),
        Region = FakeVendor.BedrockRegion, AccessKeyId = FakeVendor.BedrockAccessKeyId, ApiKey = FakeVendor.BedrockSecretKey,
    };

    private static Task<RouterHost> StartRouterAsync(FakeVendor fake)
        => RouterHost.StartAsync((Llm(fake), "anthropic.claude-3-haiku-20240307-v1:0"));

    private static ChatClient Client(RouterHost router)
        => new("gpt-4", new ApiKeyCredential("no-app-key-needed"), new OpenAIClientOptions
        {
            Endpoint = new Uri(router.Address, "router/prod/v1"),
            NetworkTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });
}
