using System.Text;
using BenchmarkDotNet.Attributes;
using ModelRouter.Upstream;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The scan every byte of a passed-through OpenAI stream goes through (event sizes and the <c>data: [DONE]</c> line). Baseline: one vectorized
/// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/> of <c>[DONE]</c> over the same bytes,
/// the least a check that looks at every byte can cost (it cannot tell a line from text inside a delta).
/// </summary>
[MemoryDiagnoser]
public class StreamScanBenchmarks
{
    private byte[] _stream = null!;

    /// <summary>Gets or sets the number of <c>chat.completion.chunk</c> events before <c>[DONE]</c>.</summary>
    [Params(5, 200)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Events; i++)
        {
            text.Append("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-2024-08-06\",")
                .Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token ").Append(i).Append("\"},\"finish_reason\":null}]}\n\n");
        }

        _stream = Encoding.UTF8.GetBytes(text.Append("data: [DONE]\n\n").ToString());
    }

    [Benchmark(Baseline = true, Description = "IndexOf(\"[DONE]\")")]
    public bool IndexOfDone() => _stream.AsSpan().IndexOf("[DONE]"u8) >= 0;

    [Benchmark(Description = "SseEventScanner.Scan")]
    public bool Scanner()
    {
        var scanner = new SseEventScanner(16 * 1024 * 1024, findDone: true);
        scanner.Scan(_stream);
        return scanner.SawDone;
    }
}
