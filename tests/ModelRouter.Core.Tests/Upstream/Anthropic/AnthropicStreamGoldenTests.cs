using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Anthropic;

/// <summary>Golden tests: Anthropic's event stream in, OpenAI <c>chat.completion.chunk</c> events out.</summary>
public class AnthropicStreamGoldenTests
{
    private const string TextStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_s1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" wörld"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":15}}

        event: message_stop
        data: {"type":"message_stop"}


        """;

    private const string ToolStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_s2","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":60}}

        event: message_stop
        data: {"type":"message_stop"}


        """;

    private static string Chunk(string id, string delta, string? finish = null)
        => $$"""{"id":"{{id}}","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[{"index":0,"delta":{{delta}},"logprobs":null,"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}}}]}""";

    [Test]
    public async Task OpenStream_TextWithUsage_BecomesRoleTextFinishUsageDone()
    {
        var expected = $$$"""
            [
              {{{Chunk("msg_s1", """{"role":"assistant","content":""}""")}}},
              {{{Chunk("msg_s1", """{"content":"Hello"}""")}}},
              {{{Chunk("msg_s1", """{"content":" wörld"}""")}}},
              {{{Chunk("msg_s1", "{}", "stop")}}},
              {"id":"msg_s1","object":"chat.completion.chunk","created":1700000000,"model":"claude-x","choices":[],
               "usage":{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40}},
              "[DONE]"
            ]
            """;

        AssertEventsEqual(await ReadAllAsync(TextStream, includeUsage: true), expected);
    }

    [Test]
    public async Task OpenStream_ToolUseWithoutUsage_StreamsToolCallDeltas()
    {
        var expected = $$$"""
            [
              {{{Chunk("msg_s2", """{"role":"assistant","content":""}""")}}},
              {{{Chunk("msg_s2", """{"content":"Checking."}""")}}},
              {{{Chunk("msg_s2", """{"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":""}}]}""")}}},
              {{{Chunk("msg_s2", """{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": "}}]}""")}}},
              {{{Chunk("msg_s2", """{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}""")}}},
              {{{Chunk("msg_s2", """{"tool_calls":[{"index":1,"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":""}}]}""")}}},
              {{{Chunk("msg_s2", """{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}""")}}},
              {{{Chunk("msg_s2", "{}", "tool_calls")}}},
              "[DONE]"
            ]
            """;

        AssertEventsEqual(await ReadAllAsync(ToolStream, includeUsage: false), expected);
    }

    [Test]
    public async Task OpenStream_ErrorRightAfterMessageStart_ThrowsBeforeAnyChunk_SoTheRouterCanFailOver()
    {
        // Regression (review): the role chunk used to be handed out at message_start, committing the stream to a
        // vendor that then reported overloaded_error before writing anything.
        var stream = TextStream[..TextStream.IndexOf("event: content_block_start", StringComparison.Ordinal)]
            + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        var (reader, response) = Open(stream, includeUsage: false);
        await using (reader)
        {
            using (response)
            {
                Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await reader.ReadAsync(CancellationToken.None));
            }
        }
    }

    [Test]
    public async Task OpenStream_ErrorEventMidStream_Throws()
    {
        var stream = TextStream[..TextStream.IndexOf("event: content_block_stop", StringComparison.Ordinal)]
            + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        var (reader, response) = Open(stream, includeUsage: false);
        await using (reader)
        {
            using (response)
            {
                var events = 0;
                var ex = Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () =>
                {
                    for (var i = 0; i < 100; i++)
                    {
                        var chunk = await reader.ReadAsync(CancellationToken.None);
                        if (chunk.IsEmpty)
                        {
                            break;
                        }

                        events += System.Text.Encoding.UTF8.GetString(chunk.Span).Split("data: ").Length - 1;
                    }
                });
                Assert.That(events, Is.EqualTo(3), "role and two text chunks came before the error");
                Assert.That(ex!.Message, Does.Contain("overloaded_error").And.Contain("Overloaded"));
            }
        }
    }

    [Test]
    public async Task OpenStream_EndsWithoutMessageStop_Throws()
    {
        var cut = TextStream[..TextStream.IndexOf("event: message_stop", StringComparison.Ordinal)];
        var (reader, response) = Open(cut, includeUsage: false);
        await using (reader)
        {
            using (response)
            {
                Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () =>
                {
                    for (var i = 0; i < 100 && !(await reader.ReadAsync(CancellationToken.None)).IsEmpty; i++)
                    {
                    }
                });
            }
        }
    }

    [Test]
    public async Task OpenStream_EventBeforeMessageStart_Throws()
    {
        var (reader, response) = Open("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n", includeUsage: false);
        await using (reader)
        {
            using (response)
            {
                Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await reader.ReadAsync(CancellationToken.None));
            }
        }
    }

    private static (ChatEventReader Reader, HttpResponseMessage Response) Open(string sse, bool includeUsage)
    {
        var response = Response(HttpStatusCode.OK, sse.ReplaceLineEndings("\n"), "text/event-stream");
        var request = includeUsage
            ? """{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}"""
            : """{"model":"m","messages":[],"stream":true}""";
        var reader = new AnthropicProviderAdapter(new FakeTimeProvider(Now)).OpenStream(response, Context(request));
        return (reader, response);
    }

    private static async Task<string> ReadAllAsync(string sse, bool includeUsage)
    {
        var (reader, response) = Open(sse, includeUsage);
        await using (reader)
        {
            using (response)
            {
                var text = new StringBuilder();
                for (var i = 0; i < 1000; i++)
                {
                    var chunk = await reader.ReadAsync(CancellationToken.None);
                    if (chunk.IsEmpty)
                    {
                        return text.ToString();
                    }

                    text.Append(Encoding.UTF8.GetString(chunk.Span));
                }

                Assert.Fail("the stream did not end");
                return "";
            }
        }
    }
}
