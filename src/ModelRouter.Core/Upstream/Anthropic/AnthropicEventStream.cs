using System.Net.ServerSentEvents;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>Reads Anthropic's event stream with <see cref="SseParser"/> and hands out OpenAI chunk events.</summary>
/// <remarks>
/// Each event's data is translated where the parser holds it, without a copy, and the chunks are written to one pooled
/// output buffer that every read reuses: as <see cref="ChatEventReader.ReadAsync"/> states, a chunk is valid until the next
/// read, and the router (the first chunk held by <c>ModelRouterResponse</c>) and the endpoint write each one out before
/// asking for the next.
/// </remarks>
internal sealed class AnthropicEventStream(HttpResponseMessage response, AnthropicStreamTranslator translator) : ChatEventReader
{
    private readonly PooledByteBufferWriter _output = new(4096);
    private readonly CancellationTokenSource _cancellation = new();
    private IAsyncEnumerator<SseItem<int>>? _events;
    private Stream? _body;
    private bool _disposed;

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cancellation);
        _output.ResetWrittenCount();
        if (_events is null)
        {
            _body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _events = SseParser.Create(_body, TranslateEvent).EnumerateAsync(_cancellation.Token).GetAsyncEnumerator(_cancellation.Token);
        }

        // Each step parses one event and translates it (TranslateEvent) into _output. Events that produce nothing
        // (ping, content_block_stop) are read past: an empty result means the end.
        while (_output.WrittenCount == 0 && !translator.IsComplete)
        {
            if (!await _events.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidUpstreamResponseException("The vendor ended the stream before its 'message_stop' event.");
            }
        }

        return _output.WrittenMemory;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_events is not null)
        {
            await _events.DisposeAsync().ConfigureAwait(false);
        }

        if (_body is not null)
        {
            await _body.DisposeAsync().ConfigureAwait(false);
        }

        _cancellation.Dispose();
        translator.Dispose();
        _output.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The parser's item callback: translates the event while its data is still in the parser's buffer.</summary>
    /// <returns>The number of bytes the event added to the output.</returns>
    private int TranslateEvent(string eventType, ReadOnlySpan<byte> data)
    {
        var before = _output.WrittenCount;
        translator.Translate(data, _output);
        return _output.WrittenCount - before;
    }
}
