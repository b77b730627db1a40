using System.Net.ServerSentEvents;
using System.Runtime.InteropServices;

namespace ModelRouter.Upstream.Gemini;

/// <summary>Reads Gemini's event stream with <see cref="SseParser"/> and hands out OpenAI chunk events.</summary>
/// <remarks>
/// As <c>AnthropicEventStream</c> does: each event is translated where the parser holds it, into one pooled output buffer
/// every read reuses; the parser reads through an <see cref="EventSizeLimitStream"/>; the LLM's secrets are masked in each
/// chunk before it is handed out. Gemini has no end event: the end of the body completes the stream, if every candidate
/// finished.
/// </remarks>
internal sealed class GeminiEventStream(HttpResponseMessage response, GeminiStreamTranslator translator, int maxEventBytes, SecretStreamMask secrets) : ChatEventReader
{
    private readonly PooledByteBufferWriter _output = new(4096);
    private readonly CancellationTokenSource _cancellation = new();
    private IAsyncEnumerator<SseItem<int>>? _events;
    private Stream? _body;
    private bool _disposed;

    internal override (long InputTokens, long OutputTokens)? Usage => translator.Usage;

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cancellation);
        _output.ResetWrittenCount();
        if (translator.IsComplete)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (_events is null)
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _body = new EventSizeLimitStream(body, maxEventBytes);
            _events = SseParser.Create(_body, TranslateEvent).EnumerateAsync(_cancellation.Token).GetAsyncEnumerator(_cancellation.Token);
        }

        while (_output.WrittenCount == 0 && !translator.IsComplete)
        {
            if (!await _events.MoveNextAsync().ConfigureAwait(false))
            {
                translator.Complete(_output);
                await ReleaseUpstreamAsync().ConfigureAwait(false);
            }
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
    private int TranslateEvent(string eventType, ReadOnlySpan<byte> data)
    {
        var before = _output.WrittenCount;
        try
        {
            translator.Translate(data, _output);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a stream event the router cannot translate.", ex);
        }

        return _output.WrittenCount - before;
    }
}
