using System.Buffers;
using BenchmarkDotNet.Attributes;
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
public class StreamPipelineBenchmarks : RouterPipelineBenchmarkBase
{
    private readonly byte[] _sink = new byte[16 * 1024];

    /// <inheritdoc/>
    protected override bool Streaming => true;

    [Benchmark(Baseline = true, Description = "bare HttpClient.SendAsync + stream relay")]
    public async Task<int> Bare()
    {
        using var request = CreateBareRequest();
        using var response = await SendBareAsync(request).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(Caller.Token).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(4 * 1024);
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, Caller.Token).ConfigureAwait(false)) > 0)
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
        var response = await RouteAsync().ConfigureAwait(false);
        await using (response.ConfigureAwait(false))
        {
            var total = 0;
            while (true)
            {
                var chunk = await response.ReadStreamChunkAsync(Caller.Token).ConfigureAwait(false);
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
