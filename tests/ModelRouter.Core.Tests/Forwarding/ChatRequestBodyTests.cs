using System.Text;
using ModelRouter.Model;

namespace ModelRouter.Tests.Forwarding;

public class ChatRequestBodyTests
{
    private static ChatRequestBody Parse(string json, int maxDepth = 64) => ChatRequestBody.Parse(Encoding.UTF8.GetBytes(json), maxDepth);

    private static ModelRouterException ParseFails(string json, int maxDepth = 64)
    {
        var ex = Assert.Throws<ModelRouterException>(() => Parse(json, maxDepth))!;
        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.ErrorType, Is.EqualTo("invalid_request_error"));
        });
        return ex;
    }

    [Test]
    public void Parse_ValidBody_ReadsModelAndStream()
    {
        var body = Parse("""{"messages":[{"role":"user","content":"x"}],"model":"meta-llama/llama-3.1-8b","stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Multiple(() =>
        {
            Assert.That(body.Model, Is.EqualTo("meta-llama/llama-3.1-8b"));
            Assert.That(body.Stream, Is.True);
            Assert.That(body.IncludeUsage, Is.True);
        });
    }

    [TestCase("""{"model":"m"}""", false)]
    [TestCase("""{"model":"m","stream":false}""", false)]
    [TestCase("""{"model":"m","stream":null}""", false)]
    [TestCase("""{"stream":true,"model":"m"}""", true)]
    public void Parse_StreamFlag_IsRead(string json, bool expected) => Assert.That(Parse(json).Stream, Is.EqualTo(expected));

    [Test]
    public void Parse_EscapedModel_IsUnescaped()
        => Assert.That(Parse("""{"model":"a\"b\\c\u00e9\/d"}""").Model, Is.EqualTo("a\"b\\cé/d"));

    [Test]
    public void Parse_ModelNestedInOtherFields_IsIgnored()
        => Assert.That(Parse("""{"metadata":{"model":"inner"},"messages":[{"model":"msg"}],"model":"outer"}""").Model, Is.EqualTo("outer"));

    [TestCase("{\"model\":", "not valid JSON")]
    [TestCase("{\"model\":\"a\",}", "not valid JSON")]
    [TestCase("{'model':'a'}", "not valid JSON")]
    [TestCase("{\"model\":\"a\" /* c */}", "not valid JSON")]
    [TestCase("{\"model\":\"a\"", "not valid JSON")]
    [TestCase("not json", "not valid JSON")]
    public void Parse_MalformedJson_IsInvalidRequest(string json, string message)
        => Assert.That(ParseFails(json).Message, Does.Contain(message));

    [TestCase("")]
    [TestCase("   ")]
    public void Parse_EmptyBody_IsInvalidRequest(string json)
        => Assert.That(ParseFails(json).Message, Does.Contain("JSON").And.Contain("model").Or.Contain("not valid JSON"));

    [TestCase("[]")]
    [TestCase("\"gpt-4\"")]
    [TestCase("42")]
    [TestCase("null")]
    [TestCase("[{\"model\":\"gpt-4\"}]")]
    public void Parse_BodyNotAnObject_IsInvalidRequest(string json)
        => Assert.That(ParseFails(json).Message, Does.Contain("must be a JSON object"));

    [Test]
    public void Parse_MissingModel_IsInvalidRequestNamingModel()
    {
        var ex = ParseFails("""{"messages":[]}""");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("no 'model' field"));
            Assert.That(ex.Param, Is.EqualTo("model"));
        });
    }

    [TestCase("""{"model":42}""")]
    [TestCase("""{"model":null}""")]
    [TestCase("""{"model":true}""")]
    [TestCase("""{"model":["gpt-4"]}""")]
    [TestCase("""{"model":{"name":"gpt-4"}}""")]
    public void Parse_NonStringModel_IsInvalidRequestNamingModel(string json)
    {
        var ex = ParseFails(json);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("'model' must be a string"));
            Assert.That(ex.Param, Is.EqualTo("model"));
        });
    }

    [Test]
    public void Parse_EmptyModel_IsInvalidRequestNamingModel()
    {
        var ex = ParseFails("""{"model":""}""");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("must not be empty"));
            Assert.That(ex.Param, Is.EqualTo("model"));
        });
    }

    [TestCase(new byte[] { 0xFF }, TestName = "Parse_ModelNotValidUtf8_IsInvalidRequestNamingModel(lone 0xFF)")]
    [TestCase(new byte[] { 0xC3 }, TestName = "Parse_ModelNotValidUtf8_IsInvalidRequestNamingModel(truncated sequence)")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "Parse_ModelNotValidUtf8_IsInvalidRequestNamingModel(encoded surrogate)")]
    [TestCase(new byte[] { 0xC0, 0xAF }, TestName = "Parse_ModelNotValidUtf8_IsInvalidRequestNamingModel(overlong)")]
    public void Parse_ModelNotValidUtf8_IsInvalidRequestNamingModel(byte[] bad)
    {
        byte[] json = [.. "{\"model\":\"gpt"u8, .. bad, .. "4o\",\"messages\":[]}"u8];

        var ex = Assert.Throws<ModelRouterException>(() => ChatRequestBody.Parse(json))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Param, Is.EqualTo("model"));
            Assert.That(ex.Message, Does.Contain("'model'").And.Contain("UTF-8").And.Contain("surrogate"));
        });
    }

    [TestCase("""{"model":"\ud800","messages":[]}""")]
    [TestCase("""{"model":"gpt\udc00-4o"}""")]
    [TestCase("""{"model":"\ud800\ud800"}""")]
    [TestCase("""{"model":"\ud83d x"}""")]
    public void Parse_ModelWithLoneSurrogateEscape_IsInvalidRequestNamingModel(string json)
    {
        var ex = ParseFails(json);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Param, Is.EqualTo("model"));
            Assert.That(ex.Message, Does.Contain("'model'").And.Contain("UTF-8").And.Contain("surrogate"));
        });
    }

    [Test]
    public void Parse_ModelWithEscapedSurrogatePair_IsAccepted()
        => Assert.That(Parse("""{"model":"m-\ud83d\ude00"}""").Model, Is.EqualTo("m-\U0001F600"));

    // Names of about the length of the ones read (model, stream, stream_options, include_usage) are unescaped to compare.
    [TestCase("""{"\ud800":1,"model":"m"}""", false, false)]
    [TestCase("""{"mode\ud800":1,"model":"m","stream":true}""", true, false)]
    [TestCase("""{"model":"m","stream\udc00":false,"stream":true}""", true, false)]
    [TestCase("""{"model":"m","stream_option\ud800":{},"stream":true,"stream_options":{"include_usage":true}}""", true, true)]
    [TestCase("""{"model":"m","stream_options":{"\ud800":true,"include_usag\ud800":false,"include_usage":true}}""", false, true)]
    [TestCase("""{"model":"m","x\udc00":"y\ud800"}""", false, false)]
    public void Parse_LoneSurrogateEscapeOutsideModel_IsLeftToTheVendor(string json, bool stream, bool includeUsage)
    {
        var body = Parse(json);

        Assert.Multiple(() =>
        {
            Assert.That(body.Model, Is.EqualTo("m"));
            Assert.That(body.Stream, Is.EqualTo(stream));
            Assert.That(body.IncludeUsage, Is.EqualTo(includeUsage));
        });
    }

    [Test]
    public void Parse_InvalidUtf8InANameOrValueOutsideModel_IsLeftToTheVendor()
    {
        byte[] json = [.. "{\"x"u8, 0xFF, .. "\":\"y"u8, 0xFF, .. "\",\"model\":\"m\",\"stream_options\":{\"a"u8, 0xC3, .. "\":1}}"u8];

        Assert.That(ChatRequestBody.Parse(json).Model, Is.EqualTo("m"));
    }

    [TestCase("""{"model":"m","stream":"true"}""")]
    [TestCase("""{"model":"m","stream":1}""")]
    [TestCase("""{"model":"m","stream":{}}""")]
    public void Parse_NonBooleanStream_IsInvalidRequestNamingStream(string json)
    {
        var ex = ParseFails(json);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.Contain("'stream' must be a boolean"));
            Assert.That(ex.Param, Is.EqualTo("stream"));
        });
    }

    [TestCase("""{"model":"m"} x""")]
    [TestCase("""{"model":"m"}{}""")]
    [TestCase("""{"model":"m"}]""")]
    public void Parse_TrailingContent_IsInvalidRequest(string json) => ParseFails(json);

    [Test]
    public void Parse_TrailingWhiteSpace_IsAccepted() => Assert.That(Parse("{\"model\":\"m\"} \r\n\t").Model, Is.EqualTo("m"));

    [Test]
    public void Parse_NestingAtTheLimit_IsAccepted()
    {
        // The object itself is one level; 63 arrays inside it make 64.
        var json = "{\"model\":\"m\",\"x\":" + new string('[', 63) + new string(']', 63) + "}";

        Assert.That(Parse(json, maxDepth: 64).Model, Is.EqualTo("m"));
    }

    [Test]
    public void Parse_NestingDeeperThanTheLimit_IsInvalidRequestNamingTheLimit()
    {
        var json = "{\"model\":\"m\",\"x\":" + new string('[', 64) + new string(']', 64) + "}";

        Assert.That(ParseFails(json, maxDepth: 64).Message, Does.Contain("deeper than 64"));
    }

    [Test]
    public void Parse_HundredThousandNestedArraysInAField_IsInvalidRequest()
    {
        var json = "{\"model\":\"m\",\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}";

        Assert.That(ParseFails(json).Message, Does.Contain("deeper than 64"));
    }

    [Test]
    public void Parse_HundredThousandNestedArraysAtTheRoot_IsInvalidRequest()
        => ParseFails(new string('[', 100_000) + new string(']', 100_000));

    [Test]
    public void Parse_HundredThousandNestedObjectsUnclosed_IsInvalidRequest()
        => ParseFails("{\"model\":\"m\",\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100_000)));

    [Test]
    public void Parse_LargeFlatBody_IsAccepted()
    {
        var content = new string('x', 3_000_000);
        var body = Parse($$"""{"messages":[{"role":"user","content":"{{content}}"}],"model":"m"}""");

        Assert.That(body.Model, Is.EqualTo("m"));
    }

    [Test]
    public void CreateContent_NoMapping_SendsTheBodyAsIs()
    {
        var json = """{ "model" : "gpt-4", "x": "\u00e9" }""";
        var body = Parse(json);

        var sent = body.CreateContent(ReadOnlyMemory<byte>.Empty).ReadAsByteArrayAsync().GetAwaiter().GetResult();

        Assert.That(sent, Is.EqualTo(Encoding.UTF8.GetBytes(json)));
    }

    [TestCase("claude-3-opus")]
    [TestCase("meta-llama/llama-3.1-8b")]
    [TestCase("llama3.1:8b")]
    [TestCase("quote\"d\\name")]
    [TestCase("模型-é")]
    public void RewriteModel_ReplacesOnlyTheModelValue(string target)
    {
        const string before = """{"tools":[{"type":"function"}], "model" : """;
        const string after = """ , "z":"\u00e9\n"}""";
        var body = Parse(before + "\"gpt-4\"" + after);

        var rewritten = body.RewriteModel(ChatRequestBody.EncodeModel(target));
        var streamed = body.CreateContent(ChatRequestBody.EncodeModel(target)).ReadAsByteArrayAsync().GetAwaiter().GetResult();

        Assert.Multiple(() =>
        {
            Assert.That(streamed, Is.EqualTo(rewritten));
            Assert.That(Parse(Encoding.UTF8.GetString(rewritten)).Model, Is.EqualTo(target));
            Assert.That(Encoding.UTF8.GetString(rewritten), Does.StartWith(before).And.EndWith(after));
        });
    }

    // Asking for usage on a stream: the option is added or its value replaced; everything else is the client's, byte for byte.
    [TestCase("""{"model":"m","stream":true}""", """{"stream_options":{"include_usage":true},"model":"gpt-x","stream":true}""")]
    [TestCase(""" { "stream":true, "model" : "m" } """, """ {"stream_options":{"include_usage":true}, "stream":true, "model" : "gpt-x" } """)]
    [TestCase("""{"model":"m","stream":true,"stream_options":{}}""", """{"model":"gpt-x","stream":true,"stream_options":{"include_usage":true}}""")]
    [TestCase("""{"model":"m","stream":true,"stream_options":{ "x":1 }}""", """{"model":"gpt-x","stream":true,"stream_options":{"include_usage":true, "x":1 }}""")]
    [TestCase("""{"stream_options":{"include_usage":false,"x":[1]},"model":"m","stream":true}""", """{"stream_options":{"include_usage":true,"x":[1]},"model":"gpt-x","stream":true}""")]
    [TestCase("""{"model":"m","stream_options":{"include_usage":{"a":[1,2]}},"stream":true}""", """{"model":"gpt-x","stream_options":{"include_usage":true},"stream":true}""")]
    [TestCase("""{"model":"m","stream":true,"stream_options":null}""", """{"model":"gpt-x","stream":true,"stream_options":{"include_usage":true}}""")]
    [TestCase("""{"stream_options":"x","stream":true,"model":"m"}""", """{"stream_options":{"include_usage":true},"stream":true,"model":"gpt-x"}""")]
    public void CreateContent_AskingForUsage_SetsIncludeUsageAndKeepsTheRest(string client, string forwarded)
    {
        var body = Parse(client);

        var sent = body.CreateContent(ChatRequestBody.EncodeModel("gpt-x"), askForUsage: true);

        Assert.Multiple(() =>
        {
            Assert.That(sent.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo(forwarded));
            Assert.That(sent.Headers.ContentLength, Is.EqualTo(Encoding.UTF8.GetByteCount(forwarded)));
            Assert.That(Parse(forwarded).IncludeUsage, Is.True);
        });
    }

    [Test]
    public void CreateContent_AskingForUsageWithoutMapping_KeepsTheModel()
    {
        var body = Parse("""{"model":"m","stream":true}""");

        var sent = body.CreateContent(ReadOnlyMemory<byte>.Empty, askForUsage: true).ReadAsStringAsync().GetAwaiter().GetResult();

        Assert.That(sent, Is.EqualTo("""{"stream_options":{"include_usage":true},"model":"m","stream":true}"""));
    }

    // Not a stream, or the client asked already: nothing to add.
    [TestCase("""{"model":"m"}""")]
    [TestCase("""{"model":"m","stream":false,"stream_options":{"include_usage":false}}""")]
    [TestCase("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""")]
    public void CreateContent_AskingForUsage_NoStreamOrAlreadyAsked_ChangesOnlyTheModel(string client)
    {
        var body = Parse(client);

        var sent = body.CreateContent(ChatRequestBody.EncodeModel("gpt-x"), askForUsage: true).ReadAsStringAsync().GetAwaiter().GetResult();

        Assert.That(sent, Is.EqualTo(client.Replace("\"m\"", "\"gpt-x\"", StringComparison.Ordinal)));
    }
}
