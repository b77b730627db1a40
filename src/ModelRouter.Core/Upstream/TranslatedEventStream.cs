using System.Net.ServerSentEvents;
using System.Runtime.InteropServices;

namespace ModelRouter.Upstream;

/// <summary>Reads a vendor's event stream with <see cref="SseParser"/> and hands out the events its <see cref="SseEventTranslator"/> makes of them.</summary>
/// <remarks>
/// Each event's data is translated where the parser holds it, without a copy, and the chunks are written to one pooled
/// output buffer that every read reuses: as <see cref="ChatEventReader.ReadAsync"/> states, a chunk is valid until the next
/// read, and the router (the first chunk held by <c>ModelRouterResponse</c>) and the endpoint write each one out before
/// asking for the next. The parser reads through an <see cref="EventSizeLimitStream"/>: an event larger than
/// <c>maxEventBytes</c> fails the stream instead of growing the parser's buffers. Once the final event is translated,
/// the vendor's stream is released, whatever it still sends. The LLM's secrets are masked in each chunk before it is handed
/// out (<see cref="SecretStreamMask"/>).
/// </remarks>
internal sealed class TranslatedEventStream(HttpResponseMessage response, SseEventTranslator translator, int maxEventBytes, SecretStreamMask secrets) : ChatEventReader
{
    private readonly PooledByteBufferWriter _output = new(4096);
    private readonly CancellationTokenSource _cancellation = new();
    private IAsyncEnumerator<SseItem<int>>? _events;
    private Stream? _body;
    private bool _released;
    private bool _disposed;

    internal override (long InputTokens, long OutputTokens)? Usage => translator.Usage;

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cancellation);
        _output.ResetWrittenCount();
        if (_released)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (_events is null)
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _body = new EventSizeLimitStream(body, maxEventBytes);
            _events = SseParser.Create(_body, TranslateEvent).EnumerateAsync(_cancellation.Token).GetAsyncEnumerator(_cancellation.Token);
        }

        // Each step parses one event and translates it (TranslateEvent) into _output. Events that produce nothing
        // (ping, content_block_stop) are read past: an empty result means the end.
        while (_output.WrittenCount == 0 && !translator.IsComplete)
        {
            if (!await _events.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidUpstreamResponseException("The vendor ended the stream before its final event.");
            }
        }

        if (translator.IsComplete && !_released)
        {
            // The answer is whole (its [DONE] is in _output, not in the parser): nothing more is read from the vendor.
            _released = true;
            await ReleaseUpstreamAsync().ConfigureAwait(false);
        }

        var chunk = _output.WrittenMemory;
        secrets.Mask(MemoryMarshal.AsMemory(chunk).Span);
        return chunk;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await ReleaseUpstreamAsync().ConfigureAwait(false);
        _cancellation.Dispose();
        translator.Dispose();
        _output.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the parser (returning its buffers) and the vendor's stream; calling it again does nothing.</summary>
    private async ValueTask ReleaseUpstreamAsync()
    {
        if (_events is { } events)
        {
            _events = null;
            await events.DisposeAsync().ConfigureAwait(false);
        }

        if (_body is { } body)
        {
            _body = null;
            await body.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The parser's item callback: translates the event while its data is still in the parser's buffer.</summary>
    /// <returns>The number of bytes the event added to the output.</returns>
    private int TranslateEvent(string eventType, ReadOnlySpan<byte> data)
    {
        var before = _output.WrittenCount;
        try
        {
            translator.Translate(eventType, data, _output);
        }
        catch (ArgumentException ex)
        {
            // Utf8JsonWriter refuses a value too long to write (above about 166 MB, under a limit raised that far).
            throw new InvalidUpstreamResponseException("The vendor sent a stream event the router cannot translate.", ex);
        }

        return _output.WrittenCount - before;
    }
}
