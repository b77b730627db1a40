using System.Net;
using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>
/// Bounds on what a vendor can make the router hold: no stream event larger than the response limit (failover before the
/// first chunk, an in-band error after it), nothing relayed past <c>[DONE]</c>, and pooled buffers for response bodies.
/// </summary>
public partial class DefaultModelRouterTests
{
    private const int EventLimit = 64 * 1024;

    // The most a bounded read may take beyond the limit: the read that crosses it (the pass-through reads 4 KiB at a time,
    // the SSE parser a little more).
    private const int ReadSlack = 64 * 1024;

    // Far more than the limit: without a bound, the router reads (and holds or relays) all of it.
    private const int FloodBytes = 8 * 1024 * 1024;

    private const string OpenAIDeltaHead = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
    private const string AnthropicStart = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-x\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    private const string AnthropicDeltaHead = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"";
    private const string AnthropicStop = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private static ModelRouterConfig AnthropicThenOpenAI()
    {
        var config = OnePool("a", "b");
        return config with { Llms = [Llm("a") with { Provider = ProviderKinds.Anthropic }, Llm("b")] };
    }

    private static string AnthropicMessagesUrl(string llmId) => BaseUrl(llmId) + "/messages";

    private static RouterHarness LimitedHarness(ModelRouterConfig config) => RouterHarness.Create(config, o => o.MaxResponseBodyBytes = EventLimit);

    [Test]
    public async Task RouteAsync_OpenAIStreamFirstEventOverTheLimit_FailsOverBeforeAnythingIsSent()
    {
        var flood = new FloodStream(OpenAIDeltaHead, FloodBytes, "\"}}]}\n\ndata: [DONE]\n\n");
        await using var h = LimitedHarness(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(flood));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
            Assert.That(flood.Served, Is.LessThanOrEqualTo(EventLimit + ReadSlack), "the oversize event was cut at the limit");
            Assert.That(flood.Disposed, Is.True, "the vendor's stream was released");
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task ReadStreamChunkAsync_OpenAIEventOverTheLimitAfterTheFirst_IsStreamInterrupted()
    {
        var flood = new FloodStream(FirstEvent + OpenAIDeltaHead, FloodBytes, "\"}}]}\n\ndata: [DONE]\n\n");
        await using var h = LimitedHarness(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(flood));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var (relayed, error) = await ReadUntilErrorAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(relayed, Does.StartWith(FirstEvent));
            Assert.That(relayed.Length, Is.LessThanOrEqualTo(FirstEvent.Length + EventLimit + ReadSlack), "the oversize event was cut at the limit");
            Assert.That(error?.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
            Assert.That(flood.Served, Is.LessThanOrEqualTo(FirstEvent.Length + EventLimit + ReadSlack));
        });
    }

    [Test]
    public async Task RouteAsync_AnthropicStreamLineOverTheLimit_FailsOverBeforeAnythingIsSent()
    {
        // The flood, scaled down: message_start, content_block_start, then one text delta far over the limit.
        var flood = new FloodStream(AnthropicStart + AnthropicDeltaHead, FloodBytes, "\"}}\n\n" + AnthropicStop);
        await using var h = LimitedHarness(AnthropicThenOpenAI());
        h.Http.Expect(HttpMethod.Post, AnthropicMessagesUrl("a")).Respond(_ => EventStream(flood));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
            Assert.That(flood.Served, Is.LessThanOrEqualTo(AnthropicStart.Length + EventLimit + ReadSlack), "the oversize line was cut at the limit");
            Assert.That(flood.Disposed, Is.True, "the vendor's stream was released");
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_AnthropicEventOfManyShortDataLinesOverTheLimit_FailsOverAtTheLimit()
    {
        // Short lines, one event: the parser joins every data line of an event, so the event is what must be bounded.
        var lines = new StringBuilder(AnthropicStart);
        while (lines.Length < AnthropicStart.Length + (8 * EventLimit))
        {
            lines.Append("data: {\"type\":\"ping\"}\n");
        }

        var upstream = new FloodStream(lines + "\n" + AnthropicStop, 0, "");
        await using var h = LimitedHarness(AnthropicThenOpenAI());
        h.Http.Expect(HttpMethod.Post, AnthropicMessagesUrl("a")).Respond(_ => EventStream(upstream));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(upstream.Served, Is.LessThanOrEqualTo(AnthropicStart.Length + EventLimit + ReadSlack), "the event was cut at the limit");
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_LargeBodies_ReuseAPooledBufferOnceEachAnswerIsDisposed()
    {
        // 4 MiB without Content-Length: read into growing buffers. Once an answer is disposed, its buffer serves the next one.
        var body = Encoding.UTF8.GetBytes(Bodies.Completion.Replace("\"hi\"", "\"" + new string('B', 4 * 1024 * 1024) + "\"", StringComparison.Ordinal));
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new FloodStream(body, 0, [])) { Headers = { ContentType = new("application/json") } },
        });

        for (var i = 0; i < 2; i++)
        {
            await using var warmUp = await h.RouteAsync(Bodies.Chat("m"));
            Assert.That(warmUp.Content.Length, Is.EqualTo(body.Length));
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using (var response = await h.RouteAsync(Bodies.Chat("m")))
        {
            Assert.That(response.Content.Span.SequenceEqual(body), Is.True);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(allocated, Is.LessThan(body.Length / 4), "the body was read into a pooled buffer, not new arrays");
    }

    [Test]
    public async Task ReadStreamChunkAsync_AnthropicEventOverTheLimitAfterTheFirst_IsStreamInterrupted()
    {
        var firstDelta = AnthropicDeltaHead + "Hello\"}}\n\n";
        var flood = new FloodStream(AnthropicStart + firstDelta + AnthropicDeltaHead, FloodBytes, "\"}}\n\n" + AnthropicStop);
        await using var h = LimitedHarness(AnthropicThenOpenAI());
        h.Http.Expect(HttpMethod.Post, AnthropicMessagesUrl("a")).Respond(_ => EventStream(flood));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var (relayed, error) = await ReadUntilErrorAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("a"));
            Assert.That(relayed, Does.Contain("\"content\":\"Hello\""));
            Assert.That(relayed.Length, Is.LessThan(EventLimit), "nothing of the oversize event was relayed");
            Assert.That(error?.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
            Assert.That(flood.Served, Is.LessThanOrEqualTo(AnthropicStart.Length + firstDelta.Length + EventLimit + ReadSlack));
        });
    }

    [Test]
    public async Task ReadStreamChunkAsync_VendorKeepsSendingAfterDone_EndsAtDoneAndReleasesTheUpstream()
    {
        var afterDone = string.Concat(Enumerable.Repeat(FirstEvent, 1000));
        var upstream = new FloodStream(FirstEvent + "data: [DONE]\n\n" + afterDone, 0, "");
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(upstream));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var text = await Bodies.ReadAllAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo(FirstEvent + "data: [DONE]\n\n"));
            Assert.That(upstream.Disposed, Is.True, "the upstream was released at [DONE], before the answer was disposed");
        });
    }

    [Test]
    public async Task ReadStreamChunkAsync_DoneWithoutItsBlankLine_IsRelayedAsAWholeEvent()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(FirstEvent + "data: [DONE]"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(await Bodies.ReadAllAsync(response), Is.EqualTo(FirstEvent + "data: [DONE]\n\n"));
    }

    [Test]
    public async Task ReadEventsAsync_VendorKeepsSendingAfterDone_StopsAtDone()
    {
        var afterDone = string.Concat(Enumerable.Repeat("data: {\"n\":3}\n\n", 100));
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream("data: {\"n\":1}\n\ndata: [DONE]\n\n" + afterDone));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var payloads = new List<string>();
        await foreach (var item in response.ReadEventsAsync())
        {
            payloads.Add(item.Data);
        }

        Assert.That(payloads, Is.EqualTo(new[] { "{\"n\":1}", "[DONE]" }));
    }

    [Test]
    public async Task ReadStreamChunkAsync_AnthropicVendorHoldsTheStreamOpenAfterMessageStop_ReleasesTheUpstream()
    {
        var upstream = new FloodStream(AnthropicStart + AnthropicDeltaHead + "Hi\"}}\n\n" + AnthropicStop, 0, "", stallAtEnd: true);
        await using var h = RouterHarness.Create(AnthropicThenOpenAI());
        h.Http.Expect(HttpMethod.Post, AnthropicMessagesUrl("a")).Respond(_ => EventStream(upstream));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var text = await Bodies.ReadAllAsync(response).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.EndWith("data: [DONE]\n\n"));
            Assert.That(upstream.Disposed, Is.True, "the upstream was released at message_stop, before the answer was disposed");
        });
    }

    /// <summary>Reads chunks until the stream ends or fails (at most 10 000 reads); returns what was relayed and the failure.</summary>
    private static async Task<(string Relayed, ModelRouterException? Error)> ReadUntilErrorAsync(ModelRouterResponse response)
    {
        var text = new StringBuilder();
        try
        {
            for (var i = 0; i < 10_000; i++)
            {
                var chunk = await response.ReadStreamChunkAsync();
                if (chunk.IsEmpty)
                {
                    break;
                }

                text.Append(Encoding.UTF8.GetString(chunk.Span));
            }
        }
        catch (ModelRouterException ex)
        {
            return (text.ToString(), ex);
        }

        return (text.ToString(), null);
    }
}

/// <summary>
/// A vendor's body: a prefix, then <c>floodBytes</c> of <c>B</c>, then a suffix, then the end (or, with
/// <c>stallAtEnd</c>, a wait until the read is cancelled). Counts the bytes it served and notes when it is disposed.
/// </summary>
internal sealed class FloodStream(byte[] prefix, long floodBytes, byte[] suffix, bool stallAtEnd = false) : ReadOnlyTestStream
{
    private readonly byte[] _prefix = prefix;
    private readonly byte[] _suffix = suffix;
    private long _position;

    public FloodStream(string prefix, long floodBytes, string suffix, bool stallAtEnd = false)
        : this(Encoding.UTF8.GetBytes(prefix), floodBytes, Encoding.UTF8.GetBytes(suffix), stallAtEnd)
    {
    }

    public long Served => Interlocked.Read(ref _position);

    public bool Disposed { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Disposed, this);
        var position = _position;
        var count = 0;
        if (position < _prefix.Length)
        {
            count = Math.Min(buffer.Length, _prefix.Length - (int)position);
            _prefix.AsSpan((int)position, count).CopyTo(buffer.Span);
        }
        else if (position < _prefix.Length + floodBytes)
        {
            count = (int)Math.Min(buffer.Length, _prefix.Length + floodBytes - position);
            buffer.Span[..count].Fill((byte)'B');
        }
        else if (position < _prefix.Length + floodBytes + _suffix.Length)
        {
            var offset = (int)(position - _prefix.Length - floodBytes);
            count = Math.Min(buffer.Length, _suffix.Length - offset);
            _suffix.AsSpan(offset, count).CopyTo(buffer.Span);
        }
        else if (stallAtEnd)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        Interlocked.Add(ref _position, count);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
