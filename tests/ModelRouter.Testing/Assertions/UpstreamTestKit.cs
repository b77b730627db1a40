using System.Net;
using ModelRouter.Model;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using ModelRouter.Upstream;

namespace ModelRouter.Testing;

/// <summary>Builds adapter inputs and compares JSON semantically (property order and white space do not matter).</summary>
internal static class UpstreamTestKit
{
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static ProviderRequestContext Context(string requestJson, LlmConfig? llm = null, string? targetModel = null, ModelRouterOperation operation = ModelRouterOperation.ChatCompletions)
    {
        llm ??= new LlmConfig { Id = "claude", Provider = ProviderKinds.Anthropic, BaseUrl = "https://api.anthropic.example", ApiKey = "sk-test-secret" };
        var body = ChatRequestBody.Parse(Encoding.UTF8.GetBytes(requestJson), 64, operation);
        var snapshot = new LlmSnapshot(llm);
        return targetModel is null
            ? new ProviderRequestContext(snapshot, body, body.Model, ReadOnlyMemory<byte>.Empty, 1 << 20)
            : new ProviderRequestContext(snapshot, body, targetModel, ChatRequestBody.EncodeModel(targetModel), 1 << 20);
    }

    public static HttpResponseMessage Response(HttpStatusCode status, string body, string mediaType = "application/json")
        => new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    public static void AssertJsonEqual(string actual, string expected)
    {
        var actualNode = JsonNode.Parse(actual);
        var expectedNode = JsonNode.Parse(expected);
        if (!JsonNode.DeepEquals(actualNode, expectedNode))
        {
            Assert.Fail($"JSON differs.\nExpected:\n{Pretty(expectedNode)}\nActual:\n{Pretty(actualNode)}");
        }
    }

    public static void AssertJsonEqual(ReadOnlyMemory<byte> actual, string expected) => AssertJsonEqual(Encoding.UTF8.GetString(actual.Span), expected);

    /// <summary>Compares an SSE text with the expected events: a JSON array of chunk objects, "[DONE]" as a string.</summary>
    public static void AssertEventsEqual(string sse, string expectedEventsJson)
    {
        Assert.That(sse, Does.EndWith("\n\n"), "every event ends with a blank line");
        var events = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var actual = new JsonArray();
        foreach (var item in events)
        {
            Assert.That(item, Does.StartWith("data: "), "every event is one data line");
            var data = item["data: ".Length..];
            actual.Add(data == "[DONE]" ? JsonValue.Create("[DONE]") : JsonNode.Parse(data));
        }

        var expected = JsonNode.Parse(expectedEventsJson);
        if (!JsonNode.DeepEquals(actual, expected))
        {
            Assert.Fail($"Events differ.\nExpected:\n{Pretty(expected)}\nActual:\n{Pretty(actual)}");
        }
    }

    private static string Pretty(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";
}
