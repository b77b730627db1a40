using System.Runtime.CompilerServices;

namespace ModelRouter.Upstream;

/// <summary>
/// A read-only view of a vendor's server-sent event stream that fails as soon as one event is larger than the limit, so
/// that a parser reading through it (<see cref="System.Net.ServerSentEvents.SseParser"/>, which holds a whole line and a
/// whole event's data) never buffers more than about that much.
/// </summary>
/// <remarks>Disposing it disposes the vendor's stream.</remarks>
internal sealed class EventSizeLimitStream(Stream inner, int maxEventBytes) : Stream
{
    private SseEventScanner _scanner = new(maxEventBytes, findDone: false);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <exception cref="InvalidUpstreamResponseException">An event is larger than the limit.</exception>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Not an async method when the data is already there: each read then costs one scan, nothing more.
        var pending = inner.ReadAsync(buffer, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return ScanWhenReadAsync(pending, buffer);
        }

        var read = pending.Result;
        _scanner.Scan(buffer.Span[..read]);
        return new(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        _scanner.Scan(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ScanWhenReadAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        _scanner.Scan(buffer.Span[..read]);
        return read;
    }
}
