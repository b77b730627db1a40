namespace ModelRouter.Upstream;

/// <summary>
/// A vendor's streamed answer as OpenAI server-sent event bytes, read chunk by chunk. Each chunk is written out (copied)
/// before the next is read, and flushed to the client before the router waits for more, so events pass through as they arrive.
/// </summary>
public abstract class ChatEventReader : IAsyncDisposable
{
    /// <summary>Reads the next chunk of SSE bytes; empty when the stream ended cleanly.</summary>
    /// <remarks>The memory is valid until the next call. A stream that ends without its terminator throws.</remarks>
    /// <exception cref="InvalidUpstreamResponseException">The vendor ended or broke the stream before it was complete.</exception>
    public abstract ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Gets the token counts a translating reader saw in the vendor's own events, for the router's telemetry: the events it
    /// hands out carry them only when the client asked (<c>stream_options.include_usage</c>). <see langword="null"/> when none.
    /// </summary>
    internal virtual (long InputTokens, long OutputTokens)? Usage => null;

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
