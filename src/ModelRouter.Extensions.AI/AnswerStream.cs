using ModelRouter.Routing;

namespace ModelRouter.Extensions.AI;

/// <summary>A router's streamed answer as the read-only <see cref="Stream"/> of server-sent event bytes an HTTP client reads.</summary>
/// <remarks>A stream the router cuts after it started ends the read with an <see cref="IOException"/> carrying the router's error.</remarks>
internal sealed class AnswerStream(ModelRouterResponse answer) : Stream
{
    private ReadOnlyMemory<byte> _pending;
    private bool _done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty && !_done)
        {
            try
            {
                _pending = await answer.ReadStreamChunkAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ModelRouterException ex)
            {
                throw new IOException($"The router's stream ended with an error: {ex.Message}", ex);
            }

            _done = _pending.IsEmpty;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await answer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            answer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}
