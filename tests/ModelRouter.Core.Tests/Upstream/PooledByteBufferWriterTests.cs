using ModelRouter.Upstream;

namespace ModelRouter.Tests.Upstream;

public class PooledByteBufferWriterTests
{
    [Test]
    public void Write_BeyondTheInitialCapacity_GrowsAndKeepsWhatWasWritten()
    {
        using var writer = new PooledByteBufferWriter(16);
        var expected = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        foreach (var chunk in expected.Chunk(7))
        {
            chunk.CopyTo(writer.GetSpan(chunk.Length));
            writer.Advance(chunk.Length);
        }

        Assert.That(writer.WrittenCount, Is.EqualTo(expected.Length));
        Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(expected));
        Assert.That(writer.WrittenMemory.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void ResetWrittenCount_StartsOverInTheSameBuffer()
    {
        using var writer = new PooledByteBufferWriter(64);
        writer.GetSpan(10).Fill(1);
        writer.Advance(10);
        var first = writer.WrittenMemory;

        writer.ResetWrittenCount();
        writer.GetSpan(3).Fill(2);
        writer.Advance(3);

        Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(new byte[] { 2, 2, 2 }));
        Assert.That(first.Span[0], Is.EqualTo(2), "the same array is reused, not a new one");
    }

    [Test]
    public void GetSpan_WithoutHint_HasRoomForAtLeastOneByte()
    {
        using var writer = new PooledByteBufferWriter(1);
        writer.GetSpan().Fill(9);
        writer.Advance(writer.GetSpan().Length);
        Assert.That(writer.GetSpan().Length, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Advance_PastTheFreeSpace_Throws()
    {
        using var writer = new PooledByteBufferWriter(16);
        var free = writer.GetSpan().Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(free + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }

    [Test]
    public void Use_AfterDispose_Throws()
    {
        var writer = new PooledByteBufferWriter(16);
        writer.Dispose();
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan());
        Assert.Throws<ObjectDisposedException>(() => _ = writer.WrittenMemory);
    }
}
