using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The whole streaming <see cref="IModelRouter.RouteAsync"/> and the relay of its chunks (read each, copy it out, dispose)
/// against an in-process handler that answers the load test's stream: five events, one per read. Baseline: a bare
/// <see cref="HttpClient.SendAsync(HttpRequestMessage, HttpCompletionOption, CancellationToken)"/> of the same body to the
/// same handler, reading the stream into the same buffer and copying each chunk out, as the bare forwarder does.
/// </summary>
/// <remarks>What the router adds to a stream beyond the request: the idle timeout per read, the [DONE] scan, its read layers.</remarks>
[MemoryDiagnoser]
public class StreamPipelineBenchmarks
{
    private static readonly Uri s_vendor = new("http://127.0.0.1:18101/v1/chat/completions");
    private ServiceProvider _services = null!;
    private IModelRouter _router = null!;
    private HttpClient _bare = null!;
    private byte[] _body = null!;
    private byte[] _sink = null!;
    private CancellationTokenSource _caller = null!;

    /// <summary>Gets or sets a value indicating whether every read of the vendor's stream completes asynchronously (after a <see cref="Task.Yield"/>), as a socket's does when the next event has not arrived.</summary>
    [Params(false, true)]
    public bool AsyncVendor { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = PipelineBenchmarks.LoadTestBody(stream: true);
        _sink = new byte[16 * 1024];
        var services = PipelineBenchmarks.RouterServices();
        services.AddHttpClient(ModelRouterDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new StreamingHandler(AsyncVendor));
        _services = services.BuildServiceProvider();
        _router = _services.GetRequiredService<IModelRouter>();
        _bare = new HttpClient(new StreamingHandler(AsyncVendor));
        _caller = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _bare.Dispose();
        _services.Dispose();
        _caller.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare HttpClient.SendAsync + stream relay")]
    public async Task<int> Bare()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s_vendor) { Content = new ByteArrayContent(_body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _bare.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _caller.Token).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(_caller.Token).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(4 * 1024);
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, _caller.Token).ConfigureAwait(false)) > 0)
        {
            buffer.AsSpan(0, read).CopyTo(_sink);
            total += read;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return total;
    }

    [Benchmark(Description = "IModelRouter.RouteAsync (stream) + relay")]
    public async Task<int> Route()
    {
        var response = await _router.RouteAsync(new ModelRouterRequest("bench", _body) { AppKey = "bench-app-key" }, _caller.Token).ConfigureAwait(false);
        await using (response.ConfigureAwait(false))
        {
            var total = 0;
            while (true)
            {
                var chunk = await response.ReadStreamChunkAsync(_caller.Token).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    return total;
                }

                chunk.Span.CopyTo(_sink);
                total += chunk.Length;
            }
        }
    }

    /// <summary>Drains the request body like a vendor and answers the load test's fake vendor stream, one event per read.</summary>
    private sealed class StreamingHandler(bool yields) : HttpMessageHandler
    {
        private static readonly byte[][] s_events =
        [
            .. new[] { "Hello", "! How can", " I help", " you today?" }.Select(word => Encoding.UTF8.GetBytes(
                "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"},\"finish_reason\":null}]}\n\n")),
            Encoding.UTF8.GetBytes("data: [DONE]\n\n"),
        ];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (yields)
            {
                await Task.Yield();
            }

            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }

            var content = new StreamContent(new EventStream(yields));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
        }

        /// <summary>Returns one event per read, then the end.</summary>
        private sealed class EventStream(bool yields) : Stream
        {
            private int _next;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                if (yields)
                {
                    await Task.Yield();
                }

                return Read(buffer.Span);
            }

            public override int Read(Span<byte> buffer)
            {
                if (_next == s_events.Length)
                {
                    return 0;
                }

                var item = s_events[_next++];
                item.CopyTo(buffer);
                return item.Length;
            }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
                => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
