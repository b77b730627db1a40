using System.Buffers;

namespace ModelRouter.Upstream;

/// <summary>
/// A response body read into an array rented from <see cref="ArrayPool{T}.Shared"/>. Disposing it returns the array;
/// after that its memory throws <see cref="ObjectDisposedException"/> instead of showing what the pool reuses it for.
/// </summary>
/// <remarks>Release it through <see cref="UpstreamHttp.ReleaseBody"/>, which finds it behind any slice of its memory.</remarks>
internal sealed class PooledBody(byte[] array, int length) : MemoryManager<byte>
{
    private byte[]? _array = array;

    public override Span<byte> GetSpan() => Array.AsSpan(0, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return Array.AsMemory(elementIndex, length - elementIndex).Pin();
    }

    public override void Unpin()
    {
    }

    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(Array, 0, length);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _array, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBody), "The response body was released; it is valid only until the answer is disposed.");
}
