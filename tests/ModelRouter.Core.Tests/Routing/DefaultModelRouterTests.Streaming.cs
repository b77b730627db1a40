using System.Net;
using System.Text;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>Streams: events pass through, failures before the first chunk fail over, after it they surface.</summary>
public partial class DefaultModelRouterTests
{
    private const string FirstEvent = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"}}]}\n\n";

    private static HttpResponseMessage EventStream(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static HttpResponseMessage EventStream(string body) => EventStream(new MemoryStream(Encoding.UTF8.GetBytes(body)));

    [Test]
    public async Task RouteAsync_Stream_PassesEventsThroughByteForByte()
    {
        var events = string.Concat(Enumerable.Range(0, 50).Select(i => $"data: {{\"id\":\"c\",\"choices\":[{{\"delta\":{{\"content\":\"tok{i} é\"}}}}]}}\n\n")) + ": keep-alive\n\ndata: [DONE]\n\n";
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(events));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(async () =>
        {
            Assert.That(response.IsStreaming, Is.True);
            Assert.That(response.ContentType, Is.EqualTo("text/event-stream"));
            Assert.That(await Bodies.ReadAllAsync(response), Is.EqualTo(events));
        });
    }

    [Test]
    public async Task RouteAsync_StreamWithEventsLargerThanTheReadBuffer_PassesThemThroughWhole()
    {
        // A 40 KB tool-call delta, then [DONE] straddling a read boundary: several reads per event, nothing lost or cut early.
        var large = new string('x', 40_000);
        var events = $"data: {{\"choices\":[{{\"delta\":{{\"content\":\"{large}\"}}}}]}}\n\n" + "data: [DONE]\n\n";
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(events));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(await Bodies.ReadAllAsync(response), Is.EqualTo(events));
    }

    [Test]
    public async Task ReadEventsAsync_Stream_YieldsEachDataPayloadThenDone()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream("data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var payloads = new List<string>();
        await foreach (var item in response.ReadEventsAsync())
        {
            payloads.Add(item.Data);
        }

        Assert.That(payloads, Is.EqualTo(new[] { "{\"n\":1}", "{\"n\":2}", "[DONE]" }));
    }

    [Test]
    public async Task ReadStreamChunkAsync_StreamEndsWithoutDoneAfterFirstChunk_IsStreamInterrupted()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(FirstEvent));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        var first = await response.ReadStreamChunkAsync();
        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await response.ReadStreamChunkAsync())!;

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetString(first.Span), Is.EqualTo(FirstEvent));
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
            Assert.That(ex.ErrorCode, Is.EqualTo("stream_interrupted"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task ReadStreamChunkAsync_ConnectionBreaksAfterFirstChunk_IsStreamInterrupted()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(new BrokenStream(Encoding.UTF8.GetBytes(FirstEvent))));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        await response.ReadStreamChunkAsync();

        Assert.That(
            async () => await response.ReadStreamChunkAsync(),
            Throws.TypeOf<ModelRouterException>().With.Property(nameof(ModelRouterException.Kind)).EqualTo(ModelRouterErrorKind.StreamInterrupted));
    }

    [Test]
    public async Task RouteAsync_StreamBreaksBeforeFirstChunk_FailsOverToTheNext()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(new BrokenStream()));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_EmptyStream_FailsOverToTheNext()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(""));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(response.Llm, Is.EqualTo("b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_StreamSilentBeforeFirstChunk_FailsOverAfterTheIdleTimeout()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        var stalled = new StallingStream(prefix: null);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(stalled));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming: true, "from-b"));

        var routing = h.RouteAsync(Bodies.Chat("m", streaming: true)).AsTask();
        await stalled.Stalled.WaitAsync(TimeSpan.FromSeconds(30));
        h.Time.Advance(TimeSpan.FromSeconds(60));
        await using var response = await routing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(response.Llm, Is.EqualTo("b"));
    }

    [Test]
    public async Task ReadStreamChunkAsync_VendorSilentLongerThanIdleTimeout_IsUpstreamTimeout()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var stalled = new StallingStream(Encoding.UTF8.GetBytes(FirstEvent));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(stalled));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        await response.ReadStreamChunkAsync();
        var reading = response.ReadStreamChunkAsync().AsTask();
        await stalled.Stalled.WaitAsync(TimeSpan.FromSeconds(30));
        h.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.That(reading.IsCompleted, Is.False, "the idle timeout is 60 s");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await reading.WaitAsync(TimeSpan.FromSeconds(30)))!;
        Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
    }

    [Test]
    public async Task ReadStreamChunkAsync_ClientSlowerThanIdleTimeoutBetweenReads_DoesNotCutAHealthyStream()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var chunks = new ChunkedStream(FirstEvent, "data: [DONE]\n\n");
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(chunks));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        await response.ReadStreamChunkAsync();
        h.Time.Advance(TimeSpan.FromSeconds(90)); // The caller took its time writing the first chunk; the vendor was never silent.
        var second = await response.ReadStreamChunkAsync();
        var end = await response.ReadStreamChunkAsync();

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetString(second.Span), Is.EqualTo("data: [DONE]\n\n"));
            Assert.That(end.IsEmpty, Is.True);
        });
    }

    [Test]
    public async Task ReadStreamChunkAsync_ClientCancels_ThrowsOperationCanceled()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var stalled = new StallingStream(Encoding.UTF8.GetBytes(FirstEvent));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(stalled));
        using var cts = new CancellationTokenSource();

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true), cancellationToken: cts.Token);
        await response.ReadStreamChunkAsync();
        var reading = response.ReadStreamChunkAsync().AsTask();
        await stalled.Stalled.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();

        Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task DisposeAsync_WhileAStreamReadIsInFlight_CancelsTheReadAndWaitsForItBeforeReleasingTheStream()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var stalled = new StallingStream(Encoding.UTF8.GetBytes(FirstEvent));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => EventStream(stalled));

        var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));
        await response.ReadStreamChunkAsync();
        var reading = response.ReadStreamChunkAsync().AsTask();
        await stalled.Stalled.WaitAsync(TimeSpan.FromSeconds(30));
        await response.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(stalled.Disposed, Is.True);
            Assert.That(stalled.DisposedWhileReading, Is.False, "the read in flight ended before the vendor's stream (and the buffer it fills) was released");
            Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<ObjectDisposedException>());
        });
    }

    [Test]
    public async Task RouteAsync_StreamRequestedButVendorAnswersJson_ReturnsTheJson()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(streaming: false));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(() =>
        {
            Assert.That(response.IsStreaming, Is.False);
            Assert.That(Encoding.UTF8.GetString(response.Content.Span), Is.EqualTo(Bodies.Completion));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_StreamFlag_SetsTheAcceptHeader(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        string? accept = null;
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(req =>
        {
            accept = req.Headers.Accept.ToString();
            return Bodies.Success(streaming);
        });

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.That(accept, Is.EqualTo(streaming ? "text/event-stream" : "application/json"));
    }

    /// <summary>Returns its prefix (if any), then waits until the read is cancelled; <see cref="Stalled"/> completes when it waits.</summary>
    private sealed class StallingStream(byte[]? prefix) : ReadOnlyTestStream
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _prefixSent = prefix is null;
        private volatile bool _reading;

        public Task Stalled => _stalled.Task;

        public bool Disposed { get; private set; }

        public bool DisposedWhileReading { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_prefixSent)
            {
                _prefixSent = true;
                prefix!.CopyTo(buffer);
                return prefix!.Length;
            }

            _reading = true;
            try
            {
                _stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }
            finally
            {
                _reading = false;
            }
        }

        protected override void Dispose(bool disposing)
        {
            DisposedWhileReading |= _reading;
            Disposed = true;
            base.Dispose(disposing);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Returns one given chunk per read, like a vendor flushing event by event.</summary>
    private sealed class ChunkedStream(params string[] chunks) : ReadOnlyTestStream
    {
        private int _next;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            if (_next >= chunks.Length)
            {
                return ValueTask.FromResult(0);
            }

            var bytes = Encoding.UTF8.GetBytes(chunks[_next++]);
            bytes.CopyTo(buffer);
            return ValueTask.FromResult(bytes.Length);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
