using System.Net;
using System.Text;
using System.Text.Json;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>Model mapping: only the model value changes, every other byte reaches the vendor as the client sent it.</summary>
public partial class DefaultModelRouterTests
{
    // Unicode, escapes, numbers a re-serializer would rewrite (2.50, 1e3, -0), unknown fields, a nested "model".
    private const string Before = """{ "messages":[{"role":"user","content":"h\u00e9llo \"q\" \\ 😀 模型\n"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"response_format":{"type":"json_schema","json_schema":{"name":"x","strict":true}},"stream_options":{"include_usage":true},"metadata":{"model":"not-this-one"},"x_future":[1,2.50,-0,1e3,null,true],   "model" :  """;

    private static string After(bool streaming) => $$""" ,"temperature":0.70,"stream":{{(streaming ? "true" : "false")}}}""";

    private static async Task<byte[]> SendCapturingAsync(RouterHarness h, string llm, string body, bool streaming)
    {
        byte[]? sent = null;
        h.Http.Expect(HttpMethod.Post, ChatUrl(llm)).Respond(async req =>
        {
            sent = await req.Content!.ReadAsByteArrayAsync();
            return Bodies.Success(streaming);
        });
        await using var response = await h.RouteAsync(body);
        await Bodies.ReadAllAsync(response);
        h.Http.VerifyNoOutstandingExpectation();
        return sent!;
    }

    private static void AssertOnlyModelChanged(byte[] sent, string expectedModel, bool streaming, string requestedJson)
    {
        var before = Encoding.UTF8.GetBytes(Before);
        var after = Encoding.UTF8.GetBytes(After(streaming));
        Assert.That(sent.AsSpan(0, before.Length).SequenceEqual(before), Is.True, "the bytes before the model are untouched");
        Assert.That(sent.AsSpan(sent.Length - after.Length).SequenceEqual(after), Is.True, "the bytes after the model are untouched");
        var modelToken = sent.AsSpan(before.Length, sent.Length - before.Length - after.Length).ToArray();
        Assert.That(JsonSerializer.Deserialize<string>(modelToken), Is.EqualTo(expectedModel));
        if (requestedJson.Length > 0)
        {
            Assert.That(Encoding.UTF8.GetString(modelToken), Is.EqualTo(requestedJson), "an unmapped model keeps its original spelling");
        }
    }

    [TestCase(false, "gpt-4", "claude-3-opus-20240229")]
    [TestCase(true, "gpt-4", "claude-3-opus-20240229")]
    [TestCase(false, "meta-llama/llama-3.1-8b", "llama3.1:8b")]
    [TestCase(true, "llama3.1:8b", "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    [TestCase(false, "anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3.5-sonnet")]
    [TestCase(false, "say \"hi\"", "back\\slash \"quoted\"")]
    [TestCase(true, "模型-é", "モデル/ü:1.0")]
    [TestCase(false, "gpt-*", "a[b]?")]
    public async Task RouteAsync_MappingForRequestedModel_SendsTargetAndLeavesEverythingElse(bool streaming, string requested, string target)
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", mappings: [("other", "x"), (requested, target)]))));
        var body = Before + JsonSerializer.Serialize(requested) + After(streaming);

        var sent = await SendCapturingAsync(h, "a", body, streaming);

        AssertOnlyModelChanged(sent, target, streaming, requestedJson: "");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_NoMappingForRequestedModel_SendsTheBodyByteForByte(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", mappings: [("gpt-4", "claude-3"), ("GPT-4O", "x")]))));
        var body = Before + "\"gpt-4o\"" + After(streaming);

        var sent = await SendCapturingAsync(h, "a", body, streaming);

        Assert.That(sent, Is.EqualTo(Encoding.UTF8.GetBytes(body)));
    }

    [Test]
    public async Task RouteAsync_RequestedModelWrittenWithEscapes_MatchesTheMappingByValue()
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", mappings: [("gpt-4", "claude-3")]))));
        var body = Before + "\"gpt\\u002d4\"" + After(false);

        var sent = await SendCapturingAsync(h, "a", body, streaming: false);

        AssertOnlyModelChanged(sent, "claude-3", streaming: false, requestedJson: "");
    }

    [Test]
    public async Task RouteAsync_UnmappedModelWrittenWithEscapes_KeepsTheClientsSpelling()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var body = Before + "\"gpt\\u002d4\"" + After(false);

        var sent = await SendCapturingAsync(h, "a", body, streaming: false);

        AssertOnlyModelChanged(sent, "gpt-4", streaming: false, requestedJson: "\"gpt\\u002d4\"");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_FailoverFromMappedVendor_SendsEachVendorItsOwnModel(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", mappings: [("gpt-4", "claude-3-opus")]), Vendor("b"), Vendor("c", mappings: [("gpt-4", "gpt-4-0613")]))));
        var body = Before + "\"gpt-4\"" + After(streaming);
        var sent = new Dictionary<string, byte[]>();
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async req =>
        {
            sent["a"] = await req.Content!.ReadAsByteArrayAsync();
            return Bodies.Status(HttpStatusCode.InternalServerError);
        });
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(async req =>
        {
            sent["b"] = await req.Content!.ReadAsByteArrayAsync();
            return Bodies.Status(HttpStatusCode.TooManyRequests);
        });
        h.Http.Expect(HttpMethod.Post, ChatUrl("c")).Respond(async req =>
        {
            sent["c"] = await req.Content!.ReadAsByteArrayAsync();
            return Bodies.Success(streaming);
        });

        await using var response = await h.RouteAsync(body);

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("c"));
            Assert.That(response.Model, Is.EqualTo("gpt-4-0613"));
        });
        AssertOnlyModelChanged(sent["a"], "claude-3-opus", streaming, "");
        Assert.That(sent["b"], Is.EqualTo(Encoding.UTF8.GetBytes(body)));
        AssertOnlyModelChanged(sent["c"], "gpt-4-0613", streaming, "");
    }

    [Test]
    public async Task RouteAsync_MappingSourceWithDifferentCase_DoesNotApply()
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a", mappings: [("GPT-4", "claude-3")]))));
        var body = Bodies.Chat("gpt-4");

        var sent = await SendCapturingAsync(h, "a", body, streaming: false);

        Assert.That(Encoding.UTF8.GetString(sent), Is.EqualTo(body));
    }
}
