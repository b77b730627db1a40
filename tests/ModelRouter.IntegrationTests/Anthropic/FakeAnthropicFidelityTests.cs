using System.Text;
using global::Anthropic;
using global::Anthropic.Models.Messages;

namespace ModelRouter.IntegrationTests.AnthropicProvider;

/// <summary>The official Anthropic SDK, pointed straight at the fake vendor, accepts what it sends: the fake is faithful.</summary>
public class FakeAnthropicFidelityTests
{
    [Test]
    public async Task Create_Text_IsAcceptedBySdk()
    {
        await using var fake = await FakeVendor.StartAsync("claude");

        var message = await Client(fake).Messages.Create(Params("Hello"));

        Assert.That(message.ID, Is.EqualTo("msg_fake01"));
        Assert.That(message.Content.Single().TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo(FakeVendor.AnthropicReply));
        Assert.That(message.Usage.InputTokens, Is.EqualTo(21));
        Assert.That(message.Usage.OutputTokens, Is.EqualTo(9));
    }

    [Test]
    public async Task Create_ToolUse_IsAcceptedBySdk()
    {
        await using var fake = await FakeVendor.StartAsync("claude");

        var message = await Client(fake).Messages.Create(Params("Weather? [tool]"));

        Assert.That(message.Content[1].TryPickToolUse(out var tool), Is.True);
        Assert.That(tool!.ID, Is.EqualTo("toolu_fake01"));
        Assert.That(tool.Name, Is.EqualTo("get_weather"));
        Assert.That(tool.Input["city"].GetString(), Is.EqualTo("Paris"));
    }

    [Test]
    public async Task CreateStreaming_TextAndToolUse_IsAcceptedBySdk()
    {
        await using var fake = await FakeVendor.StartAsync("claude");

        var text = new StringBuilder();
        var json = new StringBuilder();
        var events = 0;
        await foreach (var streamEvent in Client(fake).Messages.CreateStreaming(Params("Weather? [tool]")))
        {
            events++;
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
        }

        Assert.That(events, Is.GreaterThanOrEqualTo(10));
        Assert.That(text.ToString(), Is.EqualTo("Let me check."));
        Assert.That(json.ToString(), Is.EqualTo("""{"city": "Paris"}"""));
    }

    [Test]
    public async Task CreateStreaming_Aggregated_IsACompleteMessage()
    {
        await using var fake = await FakeVendor.StartAsync("claude");

        var message = await Client(fake).Messages.CreateStreaming(Params("Hello")).Aggregate();

        Assert.That(message.Content.Single().TryPickText(out var text), Is.True);
        Assert.That(text!.Text, Is.EqualTo(FakeVendor.AnthropicReply));
        Assert.That(message.Usage.OutputTokens, Is.EqualTo(9));
    }

    private static MessageCreateParams Params(string prompt) => new()
    {
        MaxTokens = 256,
        Messages = [new UserMessageParam(prompt)],
        Model = "claude-3-opus-20240229",
    };

    private static AnthropicClient Client(FakeVendor fake) => new()
    {
        BaseUrl = fake.Address.ToString().TrimEnd('/'),
        ApiKey = FakeVendor.AnthropicApiKey,
        MaxRetries = 0,
        ResponseValidation = true,
        Timeout = TimeSpan.FromSeconds(30),
    };
}
