using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using RichardSzalay.MockHttp;

namespace ModelRouter.AspNetCore.Tests;

/// <summary>
/// How the endpoint relays a stream: events the vendor has already sent leave in one flush, and an event is never held
/// back while the router waits for the vendor's next one.
/// </summary>
[TestFixture]
public sealed class StreamRelayTests
{
    private const string AppKey = "relay-app-key-01";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);

    private readonly MockHttpMessageHandler _vendor = new();
    private readonly RecordingObserver _observer = new();
    private RouterHost _host = null!;
    private GatedEventStream? _upstream;
    private int _flushes;
    private volatile ClientMode _client;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _vendor.When(HttpMethod.Post, "http://127.0.0.1:5301/v1/chat/completions").Respond(_ =>
        {
            var content = new StreamContent(_upstream!);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });

        _host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                o.Llms.Add(new LlmConfig { Id = "gated", BaseUrl = "http://127.0.0.1:5301/v1", ApiKey = "llm-key-gated" });
                o.Routers.Add(new RouterConfig
                {
                    Slug = "relay",
                    Name = "relay",
                    Pools = [new PoolConfig { Name = "all", ModelPattern = "*", Vendors = [new VendorConfig { Llm = "gated" }] }],
                });
                o.Apps.Add(new AppConfig { Name = "relay", ApiKey = AppKey, Routers = ["relay"] });
            },
            _vendor,
            configureHost: b => b.Services.AddSingleton<IModelRouterObserver>(_observer),
            configurePipeline: app => app.Use((context, next) =>
            {
                var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
                context.Features.Set<IHttpResponseBodyFeature>(new CountingBodyFeature(inner, () => Interlocked.Increment(ref _flushes), () => _client));
                return next(context);
            }));
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [SetUp]
    public void Reset()
    {
        _flushes = 0;
        _client = ClientMode.Present;
        while (_observer.TryTake(out _))
        {
        }
    }

    [TearDown]
    public void DisposeUpstream() => _upstream?.Dispose();

    [Test]
    public async Task Stream_EventsAlreadyReceived_LeaveInOneFlushBeforeTheVendorSendsMore()
    {
        string[] ready = [Event("one"), Event("two"), Event("three")];
        string[] later = [Event("four"), "data: [DONE]\n\n"];
        _upstream = new GatedEventStream(ready, later);
        using var timeout = new CancellationTokenSource(s_deadline);
        using var response = await _host.Client.SendAsync(StreamRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = await response.Content.ReadAsStreamAsync(timeout.Token);

        // The vendor holds its fourth event until the client has the first three: nothing may wait for it.
        var received = await ReadUntilAsync(body, string.Concat(ready), timeout.Token);
        Assert.That(received, Is.EqualTo(string.Concat(ready)));
        Assert.That(Volatile.Read(ref _flushes), Is.EqualTo(1), "three events in hand leave together");

        _upstream.Release();
        using var rest = new StreamReader(body, Encoding.UTF8);
        Assert.That(await rest.ReadToEndAsync(timeout.Token), Is.EqualTo(string.Concat(later)));
        var record = await _observer.NextAsync();
        Assert.That((record.App, record.Llm, record.Streamed, record.StreamEnd), Is.EqualTo(("relay", "gated", true, ModelRouterStreamEnd.Completed)));
    }

    [Test]
    public async Task Stream_VendorFloodsFasterThanRead_IsRelayedInBoundedSteps()
    {
        // 48 events of about 1 KiB, all in hand at once: they must not pile up unflushed until the end.
        var ready = Enumerable.Range(0, 48).Select(i => Event(i + new string('x', 900))).Append("data: [DONE]\n\n").ToArray();
        _upstream = new GatedEventStream(ready, []);
        _upstream.Release();
        using var timeout = new CancellationTokenSource(s_deadline);
        using var response = await _host.Client.SendAsync(StreamRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.That(await response.Content.ReadAsStringAsync(timeout.Token), Is.EqualTo(string.Concat(ready)));
        Assert.That(Volatile.Read(ref _flushes), Is.EqualTo(4), "one flush per 16 KiB relayed (three for these 50,836 bytes), and one at the end");
    }

    [Test]
    public async Task Stream_ClientGoneWhileTheNextReadIsInFlight_ReadIsCancelledBeforeTheStreamIsReleased()
    {
        // The server's pipe says the client is gone at the first flush, which comes while the router waits for event two.
        _client = ClientMode.GoneAtFlush;
        _upstream = new GatedEventStream([Event("one")], [Event("two"), "data: [DONE]\n\n"]);
        using var timeout = new CancellationTokenSource(s_deadline);
        using var response = await _host.Client.SendAsync(StreamRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        _ = await response.Content.ReadAsStringAsync(timeout.Token);

        await _upstream.Disposed.WaitAsync(timeout.Token);
        Assert.That(_upstream.DisposedWhileReading, Is.False, "the read in flight ended before its stream was released");
        Assert.That(_upstream.PendingReadCancelled.IsCompleted, Is.True, "the read in flight was cancelled, not left to wait for the vendor");
        var record = await _observer.NextAsync();
        Assert.That((record.StatusCode, record.Streamed, record.StreamEnd), Is.EqualTo((200, true, ModelRouterStreamEnd.ClientLeft)));
    }

    [Test]
    public async Task Stream_FlushThrowsWhileTheNextReadIsInFlight_ReadIsCancelledBeforeTheStreamIsReleased()
    {
        _client = ClientMode.FlushThrows;
        _upstream = new GatedEventStream([Event("one")], [Event("two"), "data: [DONE]\n\n"]);
        using var timeout = new CancellationTokenSource(s_deadline);
        try
        {
            using var response = await _host.Client.SendAsync(StreamRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            _ = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !timeout.IsCancellationRequested))
        {
            // The in-memory server hands the handler's failure to the client; what matters here is the vendor's side.
        }

        await _upstream.Disposed.WaitAsync(timeout.Token);
        Assert.That(_upstream.DisposedWhileReading, Is.False, "the read in flight ended before its stream was released");
        Assert.That(_upstream.PendingReadCancelled.IsCompleted, Is.True, "the read in flight was cancelled, not left to wait for the vendor");
    }

    [Test]
    public async Task Stream_UnexpectedFailureAfterEventsWereWrittenButNotFlushed_EndsTheStreamInBand()
    {
        // The second read fails at once with an exception nothing maps: event one is still unflushed in the response.
        _upstream = new GatedEventStream([Event("one")], [], failure: new NotSupportedException("a bug, say"));
        using var timeout = new CancellationTokenSource(s_deadline);
        using var response = await _host.Client.SendAsync(StreamRequest(), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
            Assert.That(text, Does.StartWith(Event("one") + "\n\ndata: {\"error\":"));
            Assert.That(text, Does.Contain("\"code\":\"internal_error\""));
            Assert.That(text, Does.Not.Contain("a bug, say"));
        });
    }

    private static string Event(string word)
        => $$"""data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"{{word}}"},"finish_reason":null}]}""" + "\n\n";

    private static HttpRequestMessage StreamRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/router/relay/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        return request;
    }

    private static async Task<string> ReadUntilAsync(Stream body, string expected, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[expected.Length];
        while (received.Length < expected.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(0, expected.Length - received.Length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>A vendor body that has some events in hand (each read returns one, at once) and sends the rest when released.</summary>
    private sealed class GatedEventStream(string[] ready, string[] later, Exception? failure = null) : Stream
    {
        private readonly Queue<byte[]> _ready = new(ready.Select(Encoding.UTF8.GetBytes));
        private readonly Queue<byte[]> _later = new(later.Select(Encoding.UTF8.GetBytes));
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _pendingReadCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _reading;

        public Task PendingReadCancelled => _pendingReadCancelled.Task;

        public Task Disposed => _disposed.Task;

        public bool DisposedWhileReading { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.TrySetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => _ready.Count > 0 ? new(Take(_ready, buffer.Span))
                : failure is not null ? ValueTask.FromException<int>(failure)
                : ReadLaterAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static int Take(Queue<byte[]> events, Span<byte> buffer)
        {
            var next = events.Dequeue();
            Assert.That(next, Has.Length.LessThanOrEqualTo(buffer.Length), "one event fits a read");
            next.CopyTo(buffer);
            return next.Length;
        }

        protected override void Dispose(bool disposing)
        {
            DisposedWhileReading |= _reading;
            _disposed.TrySetResult();
            base.Dispose(disposing);
        }

        private async ValueTask<int> ReadLaterAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            _reading = true;
            try
            {
                await _released.Task.WaitAsync(cancellationToken);
                return _later.Count > 0 ? Take(_later, buffer.Span) : 0;
            }
            catch (OperationCanceledException)
            {
                _pendingReadCancelled.TrySetResult();
                throw;
            }
            finally
            {
                _reading = false;
            }
        }
    }

    /// <summary>The response body as the server has it, counting the flushes written through its pipe.</summary>
    private enum ClientMode
    {
        Present,

        /// <summary>Every flush reports the client gone, as the server's pipe does once it left.</summary>
        GoneAtFlush,

        /// <summary>Every flush throws, as a flush cancelled by the client's leaving does.</summary>
        FlushThrows,
    }

    private sealed class CountingBodyFeature(IHttpResponseBodyFeature inner, Action onFlush, Func<ClientMode> client) : IHttpResponseBodyFeature
    {
        private readonly CountingPipeWriter _writer = new(inner.Writer, onFlush, client);

        public Stream Stream => inner.Stream;

        public PipeWriter Writer => _writer;

        public Task CompleteAsync() => inner.CompleteAsync();

        public void DisableBuffering() => inner.DisableBuffering();

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
            => inner.SendFileAsync(path, offset, count, cancellationToken);

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);
    }

    private sealed class CountingPipeWriter(PipeWriter inner, Action onFlush, Func<ClientMode> client) : PipeWriter
    {
        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            onFlush();
            return client() switch
            {
                ClientMode.GoneAtFlush => new(new FlushResult(isCanceled: false, isCompleted: true)),
                ClientMode.FlushThrows => ValueTask.FromException<FlushResult>(new OperationCanceledException("The client left.")),
                _ => inner.FlushAsync(cancellationToken),
            };
        }
    }
}
