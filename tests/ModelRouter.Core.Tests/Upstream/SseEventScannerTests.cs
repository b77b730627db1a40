using System.Text;
using ModelRouter.Upstream;

namespace ModelRouter.Tests.Upstream;

public class SseEventScannerTests
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

    [TestCase("data: 12345\n\n", 13)]
    [TestCase("data: 12345\r\n\r\n", 15)]
    [TestCase("data: 12345\r\r", 13)]
    [TestCase(": c\nevent: e\ndata: 1\n\n", 22)]
    public void Scan_EventOfExactlyTheLimit_Passes_AndOneByteMoreFails_WhereverTheChunksSplit(string oneEvent, int size)
    {
        Assert.That(Encoding.UTF8.GetByteCount(oneEvent), Is.EqualTo(size), "the size counts every byte of the event, its blank line included");
        var stream = string.Concat(Enumerable.Repeat(oneEvent, 3));
        foreach (var split in Splits(stream))
        {
            Assert.That(() => ScanEvents(split, size), Throws.Nothing, $"split as: {string.Join(" | ", split)}");
            Assert.That(() => ScanEvents(split, size - 1), Throws.TypeOf<InvalidUpstreamResponseException>(), $"split as: {string.Join(" | ", split)}");
        }
    }

    [Test]
    public void Scan_ManySmallEventsFarBeyondTheLimit_Pass()
    {
        var stream = string.Concat(Enumerable.Repeat("data: {\"n\":1}\r\n\r\n: keep-alive\n\n", 10_000));

        Assert.That(() => ScanEvents(Chunk(stream, 4096), 64), Throws.Nothing);
    }

    [TestCase("data: x\n")]
    [TestCase("data: x\r\n")]
    [TestCase("data: x\r")]
    [TestCase(": keep-alive\n")]
    public void Scan_LinesWithoutABlankLineBetweenThem_AreOneEvent_AndFailAtTheLimit(string line)
    {
        var stream = string.Concat(Enumerable.Repeat(line, 1000));

        Assert.That(() => ScanEvents(Chunk(stream, 100), 1024), Throws.TypeOf<InvalidUpstreamResponseException>().With.Message.Contains("1024 byte limit"));
    }

    [Test]
    public void Scan_OneEndlessLine_FailsInTheChunkThatCrossesTheLimit()
    {
        var scanner = new SseEventScanner(10_000, findDone: true);
        var chunk = Encoding.UTF8.GetBytes("data: " + new string('B', 4090));

        scanner.Scan(chunk);
        scanner.Scan(chunk);
        Assert.That(() => scanner.Scan(chunk), Throws.TypeOf<InvalidUpstreamResponseException>());
    }

    [Test]
    public void Scan_DoneLine_KeepsTheBytesUpToItsEnd_AndNoMore()
    {
        var scanner = new SseEventScanner(1 << 20, findDone: true);
        var first = Encoding.UTF8.GetBytes("data: {\"n\":1}\n\ndata: [DO");
        var second = Encoding.UTF8.GetBytes("NE]\n\ndata: more\n\n");

        Assert.Multiple(() =>
        {
            Assert.That(scanner.Scan(first), Is.EqualTo(first.Length));
            Assert.That(scanner.SawEventEnd, Is.True);
            Assert.That(scanner.SawDone, Is.False);
            Assert.That(scanner.Scan(second), Is.EqualTo("NE]".Length));
            Assert.That(scanner.SawDone, Is.True);
        });
    }

    [Test]
    public void Scan_WithoutFindDone_CountsADoneLineLikeAnyOther()
    {
        var scanner = new SseEventScanner(1 << 20, findDone: false);
        var stream = Encoding.UTF8.GetBytes("data: [DONE]\n\ndata: x\n\n");

        Assert.Multiple(() =>
        {
            Assert.That(scanner.Scan(stream), Is.EqualTo(stream.Length));
            Assert.That(scanner.SawDone, Is.False);
        });
    }

    [Test]
    public void Scan_NoBlankLineYet_SawNoEventEnd()
    {
        var scanner = new SseEventScanner(1 << 20, findDone: true);

        scanner.Scan(Encoding.UTF8.GetBytes("data: {\"n\":1}\r\n"));
        Assert.That(scanner.SawEventEnd, Is.False, "a CRLF is one line break, not a blank line");
        scanner.Scan(Encoding.UTF8.GetBytes("\r\n"));
        Assert.That(scanner.SawEventEnd, Is.True);
    }

    private static bool Scan(IEnumerable<string> chunks)
    {
        var scanner = new SseEventScanner(int.MaxValue, findDone: true);
        foreach (var chunk in chunks)
        {
            scanner.Scan(Encoding.UTF8.GetBytes(chunk));
        }

        return scanner.SawDone;
    }

    private static void ScanEvents(IEnumerable<string> chunks, int maxEventBytes)
    {
        var scanner = new SseEventScanner(maxEventBytes, findDone: false);
        foreach (var chunk in chunks)
        {
            scanner.Scan(Encoding.UTF8.GetBytes(chunk));
        }
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
