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
        services.AddHttpClient(ModelRouterDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new FakeVendorHandler(AsyncVendor));
        _services = services.BuildServiceProvider();
        _router = _services.GetRequiredService<IModelRouter>();
        _bare = new HttpClient(new FakeVendorHandler(AsyncVendor));
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
}
