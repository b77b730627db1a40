using System.Text;
using ModelRouter.Upstream;

namespace ModelRouter.Tests.Upstream;

public class DoneLineDetectorTests
{
    private static readonly string[] s_complete =
    [
        "data: [DONE]\n\n",
        "data:[DONE]\n\n",
        "data: {\"n\":1}\n\ndata: [DONE]\n\n",
        "data: {\"n\":1}\r\n\r\ndata: [DONE]\r\n\r\n",
        "data: {\"n\":1}\r\rdata: [DONE]\r\r",
        ": keep-alive\n\ndata: [DONE]\n\n",
        "event: message\ndata: [DONE]\n\n",
        "data: [DONE]",
    ];

    private static readonly string[] s_incomplete =
    [
        "",
        "data: {\"content\":\"[DONE]\"}\n\n",
        "data: {\"content\":\"data: [DONE]\"}\n\n",
        "xdata: [DONE]\n\n",
        " data: [DONE]\n\n",
        "data:  [DONE]\n\n",
        "data: [DONE\n\n",
        "data: [done]\n\n",
        "Data: [DONE]\n\n",
        "data: x[DONE]\n\n",
        ": data: [DONE]\n\n",
    ];

    [TestCaseSource(nameof(s_complete))]
    public void Scan_StreamWithDoneLine_SeesIt_WhereverTheChunksSplit(string stream)
    {
        foreach (var split in Splits(stream))
        {
            Assert.That(Scan(split), Is.True, $"split as: {string.Join(" | ", split)}");
        }
    }

    [TestCaseSource(nameof(s_incomplete))]
    public void Scan_StreamWithoutDoneLine_DoesNotSeeOne_WhereverTheChunksSplit(string stream)
    {
        foreach (var split in Splits(stream))
        {
            Assert.That(Scan(split), Is.False, $"split as: {string.Join(" | ", split)}");
        }
    }

    [Test]
    public void Scan_DoneLineAfterLongLines_IsSeen()
    {
        var content = new string('a', 100_000);
        var stream = $"data: {{\"content\":\"{content}[DONE]\"}}\n\ndata: {{\"content\":\"{content}\"}}\n\ndata: [DONE]\n\n";
        Assert.Multiple(() =>
        {
            Assert.That(Scan([stream]), Is.True);
            Assert.That(Scan([stream[..^14]]), Is.False, "without the last event");
            Assert.That(Scan(Chunk(stream, 4096)), Is.True, "in 4 KB chunks");
            Assert.That(Scan(Chunk(stream[..^14], 4096)), Is.False, "in 4 KB chunks, without the last event");
        });
    }

    private static bool Scan(IEnumerable<string> chunks)
    {
        var detector = default(DoneLineDetector);
        foreach (var chunk in chunks)
        {
            detector.Scan(Encoding.UTF8.GetBytes(chunk));
        }

        return detector.SawDone;
    }

    /// <summary>The stream whole, byte by byte, and cut in two at every position.</summary>
    private static IEnumerable<string[]> Splits(string stream)
    {
        yield return [stream];
        yield return stream.Select(c => c.ToString()).ToArray();
        for (var i = 1; i < stream.Length; i++)
        {
            yield return [stream[..i], stream[i..]];
        }
    }

    private static IEnumerable<string> Chunk(string stream, int size)
    {
        for (var i = 0; i < stream.Length; i += size)
        {
            yield return stream.Substring(i, Math.Min(size, stream.Length - i));
        }
    }
}
