using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Anthropic;

/// <summary>
/// Edge cases of the Anthropic stream translation: exact output bytes, events split across reads, long deltas, and
/// what the vendor may send beyond the documented shapes (unknown events and fields, duplicates, escapes, bad JSON).
/// </summary>
public class AnthropicStreamEdgeTests
{
    private const string Start = """{"type":"message_start","message":{"id":"msg_e","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":10,"output_tokens":1}}}""";
    private const string TextBlock = """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""";
    private const string Stop = """{"type":"message_stop"}""";
    private const string Head = """data: {"id":"msg_e","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[""";
    private const string RoleEvent = Head + """{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""" + "\n\n";
    private const string StopEvent = Head + """{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}""" + "\n\n";
    private const string Done = "data: [DONE]\n\n";

    private static string TextEvent(string escapedText) => Head + $$$"""{"index":0,"delta":{"content":"{{{escapedText}}}"},"logprobs":null,"finish_reason":null}]}""" + "\n\n";

    private static string Delta(string escapedText) => $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{escapedText}}}"}}""";

    [Test]
    public void Translate_FullTextStreamWithUsage_WritesExactBytes()
    {
        var output = Translate(
            includeUsage: true,
            """{"type":"message_start","message":{"id":"msg_e","model":"claude-x","usage":{"input_tokens":10,"cache_read_input_tokens":4,"cache_creation_input_tokens":2,"output_tokens":1}}}""",
            TextBlock,
            """{"type": "ping"}""",
            Delta("caf\u00e9 \\\"<b>\\\" \\ud83d\\ude00"),
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":7}}""",
            Stop);

        var expected = RoleEvent
            + TextEvent("café \\\"<b>\\\" \\uD83D\\uDE00")
            + Head + """{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}""" + "\n\n"
            + Head + """],"usage":{"prompt_tokens":16,"completion_tokens":7,"total_tokens":23,"prompt_tokens_details":{"cached_tokens":4}}}""" + "\n\n"
            + Done;
        Assert.That(output, Is.EqualTo(expected));
    }

    [Test]
    public async Task OpenStream_EventsSplitAcrossReads_TranslateAsWhenReadAtOnce()
    {
        var sse = string.Concat(
            new[] { Start, TextBlock, Delta("H\u00e9llo \u4e16\u754c"), Delta(" \\ud83d\\ude00"), """{"type":"message_delta","delta":{"stop_reason":"end_turn"}}""", Stop }
                .Select(data => "event: x\ndata: " + data + "\n\n"));
        var body = Encoding.UTF8.GetBytes(sse);

        foreach (var readSize in new[] { 1, 2, 3, 7, 64 })
        {
            var output = await DrainAsync(new TrickleStream(body, readSize));
            Assert.That(output, Is.EqualTo(RoleEvent + TextEvent("Héllo 世界") + TextEvent(" \\uD83D\\uDE00") + StopEvent + Done), $"reads of {readSize} bytes");
        }
    }

    [Test]
    public void Translate_VeryLongTextDelta_IsCopiedWhole()
    {
        var text = string.Concat(Enumerable.Repeat("Lorem ipsum \u00e9\u4e16 \\n\\\"x\\\" ", 20_000));
        var output = Translate(includeUsage: false, Start, TextBlock, Delta(text), Stop);

        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(events, Has.Length.EqualTo(4));
        using var chunk = JsonDocument.Parse(events[1]["data: ".Length..]);
        var content = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
        Assert.That(content, Is.EqualTo(string.Concat(Enumerable.Repeat("Lorem ipsum é世 \n\"x\" ", 20_000))));
    }

    [Test]
    public void Translate_UnknownEventsAndNestedUnknownFields_AreSkipped()
    {
        // The unknown fields carry names the translator reads (type, text, index, usage, error) at deeper levels: only
        // the documented positions count.
        const string Noise = """
            "extra":{"type":"error","error":{"type":"x","message":"no"},"delta":{"type":"text_delta","text":"WRONG"}},
            "list":[{"type":"message_stop"},[1,2,{"index":9,"usage":{"output_tokens":999}}],"text",null,true,-1.5e3],
            "n":null
            """;
        var output = Translate(
            includeUsage: true,
            Start,
            """{"type":"future_event","index":0,"delta":{"type":"text_delta","text":"WRONG"}}""",
            """{"type":"content_block_start",""" + Noise + ""","index":0,"content_block":{"type":"text","text":"","citations":[{"type":"x","text":"WRONG"}]}}""",
            """{"type":"content_block_delta","index":0,""" + Noise + ""","delta":{"nested":{"text":"WRONG","type":"x"},"type":"text_delta","text":"ok"}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"WRONG"}}}""",
            """{"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":""}}""",
            """{"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"WRONG"}}""",
            """{"type":"message_delta",""" + Noise + ""","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5,"server_tool_use":{"web_search_requests":1}}}""",
            Stop);

        var expected = RoleEvent + TextEvent("ok") + StopEvent
            + Head + """],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""" + "\n\n"
            + Done;
        Assert.That(output, Is.EqualTo(expected));
    }

    [Test]
    public void Translate_DuplicateProperties_LastOneWins()
    {
        var output = Translate(
            includeUsage: true,
            Start,
            TextBlock,
            """{"type":"ping","type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"first","text":"second"}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"gone"},"delta":{"type":"future_delta","text":"gone"}}""",
            """{"type":"message_delta","usage":{"input_tokens":50,"output_tokens":5},"usage":{"output_tokens":6,"output_tokens":"x"}}""",
            Stop);

        var expected = RoleEvent + TextEvent("second") + StopEvent
            + Head + """],"usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}}""" + "\n\n"
            + Done;
        Assert.That(output, Is.EqualTo(expected));
    }

    [Test]
    public void Translate_EscapedNamesAndValues_AreUnescapedBeforeMatching()
    {
        var output = Translate(
            includeUsage: false,
            Start,
            TextBlock,
            """{"t\u0079pe":"\u0070ing"}""",
            """{"type":"content_block_delta","\u0069ndex":0,"delta":{"type":"text\u005fdelta","t\u0065xt":"a\/b"}}""",
            Stop);

        Assert.That(output, Is.EqualTo(RoleEvent + TextEvent("a/b") + StopEvent + Done));
    }

    [Test]
    public async Task OpenStream_MalformedJsonBeforeAnyChunk_ThrowsOnTheFirstRead()
    {
        var sse = "data: " + Start + "\n\ndata: {\"type\":\"content_block_start\",\"index\":0,\n\n";
        var stream = Open(new MemoryStream(Encoding.UTF8.GetBytes(sse)));
        await using (stream)
        {
            var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await stream.ReadAsync(CancellationToken.None));
            Assert.That(ex!.InnerException, Is.InstanceOf<JsonException>());
        }
    }

    [TestCase("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}")]
    [TestCase("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}}")]
    [TestCase("{\"type\":\"ping\"} {}")]
    [TestCase("{\"type\":\"ping\",}")]
    [TestCase("{'type':'ping'}")]
    [TestCase("")]
    [TestCase("\uFEFF{\"type\":\"ping\"}")]
    public async Task OpenStream_MalformedJsonMidStream_ThrowsAfterTheChunksBefore(string badData)
    {
        var sse = "data: " + Start + "\n\ndata: " + TextBlock + "\n\ndata: " + Delta("a") + "\n\ndata: " + badData + "\n\ndata: " + Stop + "\n\n";
        var stream = Open(new MemoryStream(Encoding.UTF8.GetBytes(sse)));
        await using (stream)
        {
            var first = await stream.ReadAsync(CancellationToken.None);
            Assert.That(Encoding.UTF8.GetString(first.Span), Is.EqualTo(RoleEvent + TextEvent("a")));
            var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await stream.ReadAsync(CancellationToken.None));
            Assert.That(ex!.InnerException, Is.InstanceOf<JsonException>());
        }
    }

    [Test]
    public void Translate_JsonNestedDeeperThan256_IsMalformed()
    {
        var deep = "{\"type\":\"ping\",\"x\":" + new string('[', 300) + new string(']', 300) + "}";
        var translator = new AnthropicStreamTranslator(1_700_000_000, includeUsage: false);
        var ex = Assert.Throws<InvalidUpstreamResponseException>(() => translator.Translate(Encoding.UTF8.GetBytes(deep), new ArrayBufferWriter<byte>()));
        Assert.That(ex!.InnerException, Is.InstanceOf<JsonException>());
    }

    [TestCase("\"0\"")]
    [TestCase("null")]
    [TestCase("[0]")]
    [TestCase("1.5")]
    [TestCase("4294967296")]
    public void Translate_BlockIndexNotAnInteger_IsMalformed(string index)
    {
        var translator = new AnthropicStreamTranslator(1_700_000_000, includeUsage: false);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate(Encoding.UTF8.GetBytes(Start), output);
        var delta = "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}";

        var ex = Assert.Throws<InvalidUpstreamResponseException>(() => translator.Translate(Encoding.UTF8.GetBytes(delta), output));
        Assert.That(ex!.Message, Does.Contain("malformed 'content_block_delta'"));
    }

    [Test]
    public void Translate_AfterMessageStop_IgnoresEverything()
    {
        var translator = new AnthropicStreamTranslator(1_700_000_000, includeUsage: false);
        var output = new ArrayBufferWriter<byte>();
        foreach (var data in new[] { Start, TextBlock, Delta("a"), Stop })
        {
            translator.Translate(Encoding.UTF8.GetBytes(data), output);
        }

        var written = output.WrittenCount;
        translator.Translate("not json"u8, output);
        translator.Translate(Encoding.UTF8.GetBytes(Delta("b")), output);
        Assert.That(translator.IsComplete, Is.True);
        Assert.That(output.WrittenCount, Is.EqualTo(written));
    }

    private static string Translate(bool includeUsage, params string[] events)
    {
        using var translator = new AnthropicStreamTranslator(1_700_000_000, includeUsage);
        var output = new ArrayBufferWriter<byte>();
        foreach (var data in events)
        {
            translator.Translate(Encoding.UTF8.GetBytes(data), output);
        }

        Assert.That(translator.IsComplete, Is.True, "message_stop completes the stream");
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static ChatEventReader Open(Stream body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        return new AnthropicProviderAdapter(new FakeTimeProvider(Now)).OpenStream(response, Context("""{"model":"m","messages":[],"stream":true}"""));
    }

    private static async Task<string> DrainAsync(Stream body)
    {
        var stream = Open(body);
        await using (stream)
        {
            var bytes = new List<byte>();
            for (var i = 0; i < 1000; i++)
            {
                var chunk = await stream.ReadAsync(CancellationToken.None);
                if (chunk.IsEmpty)
                {
                    return Encoding.UTF8.GetString([.. bytes]);
                }

                bytes.AddRange(chunk.Span);
            }

            Assert.Fail("the stream did not end");
            return "";
        }
    }
}
