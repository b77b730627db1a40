using System.Buffers;

namespace ModelRouter.Upstream;

/// <summary>
/// A reusable <see cref="IBufferWriter{T}"/> of bytes over an array rented from <see cref="ArrayPool{T}.Shared"/>, for
/// buffers that live as long as one stream. Dispose returns the array; what was written must not be used after that.
/// </summary>
internal sealed class PooledByteBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int _written;

    /// <summary>Gets the number of bytes written since the last reset.</summary>
    public int WrittenCount => _written;

    /// <summary>Gets the bytes written since the last reset.</summary>
    public ReadOnlySpan<byte> WrittenSpan => Buffer.AsSpan(0, _written);

    /// <summary>Gets the bytes written since the last reset; valid until the next write, reset or dispose.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => Buffer.AsMemory(0, _written);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledByteBufferWriter));

    /// <summary>Forgets what was written and keeps the array for the next writes.</summary>
    public void ResetWrittenCount() => _written = 0;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Buffer.Length - _written);
        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _written = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns the array, grown (by at least doubling) when fewer than <paramref name="sizeHint"/> bytes are free.</summary>
    private byte[] Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var buffer = Buffer;
        var needed = Math.Max(sizeHint, 1);
        if (buffer.Length - _written >= needed)
        {
            return buffer;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(_written + needed), buffer.Length * 2));
        buffer.AsSpan(0, _written).CopyTo(larger);
        _buffer = larger;
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
