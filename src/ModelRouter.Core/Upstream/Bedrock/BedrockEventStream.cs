using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Amazon.Runtime.EventStreams;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>
/// Reads ConverseStream's AWS event stream (<c>application/vnd.amazon.eventstream</c>) and hands out OpenAI chunk events.
/// Each message is framed as a prelude (total length, headers length, prelude CRC32), headers, payload and a message CRC32;
/// AWSSDK.Core's <see cref="EventStreamMessage"/> decodes a whole message and verifies both CRCs.
/// </summary>
/// <remarks>
/// Bytes are gathered in one pooled buffer until a whole message is there; a message larger than <c>maxEventBytes</c> fails
/// the stream before it is buffered. The LLM's secrets are masked in each chunk before it is handed out.
/// </remarks>
internal sealed class BedrockEventStream(HttpResponseMessage response, BedrockStreamTranslator translator, int maxEventBytes, SecretStreamMask secrets) : ChatEventReader
{
    private const int PreludeLength = 12;
    private const int MinMessageLength = 16;
    private readonly PooledByteBufferWriter _output = new(4096);
    private byte[] _input = ArrayPool<byte>.Shared.Rent(8192);
    private int _start;
    private int _end;
    private Stream? _body;
    private bool _ended;
    private bool _disposed;

    internal override (long InputTokens, long OutputTokens)? Usage => translator.Usage;

    public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.ResetWrittenCount();
        if (translator.IsComplete)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        _body ??= await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        while (_output.WrittenCount == 0 && !translator.IsComplete)
        {
            if (!TryTranslateMessage())
            {
                if (_ended)
                {
                    if (_end > _start)
                    {
                        throw new InvalidUpstreamResponseException("The vendor ended the stream in the middle of an event.");
                    }

                    translator.Complete(_output);
                    break;
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (translator.IsComplete)
        {
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
        ArrayPool<byte>.Shared.Return(_input);
        translator.Dispose();
        _output.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Decodes and translates the next message if it is whole in the buffer.</summary>
    private bool TryTranslateMessage()
    {
        var available = _end - _start;
        if (available < PreludeLength)
        {
            return false;
        }

        var total = BinaryPrimitives.ReadUInt32BigEndian(_input.AsSpan(_start, 4));
        if (total < MinMessageLength || total > (uint)maxEventBytes)
        {
            throw new InvalidUpstreamResponseException(total < MinMessageLength
                ? "The vendor sent an event-stream message shorter than its framing."
                : $"The vendor sent an event-stream message larger than the {maxEventBytes} byte limit.");
        }

        if (available < total)
        {
            return false;
        }

        if (_start > 0)
        {
            // EventStreamMessage checks the message CRC over the buffer from its start, not from the offset it is given:
            // each message is decoded from the front of the buffer.
            _input.AsSpan(_start, available).CopyTo(_input);
            _end = available;
            _start = 0;
        }

        EventStreamMessage message;
        try
        {
            message = EventStreamMessage.FromBuffer(_input, 0, (int)total);
        }
        catch (Exception ex) when (ex is EventStreamChecksumFailureException or EventStreamParseException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidUpstreamResponseException("The vendor sent an event-stream message that is malformed or fails its CRC.", ex);
        }

        _start += (int)total;
        translator.Translate(Header(message, ":message-type"), Header(message, ":event-type"), Header(message, ":exception-type") ?? Header(message, ":error-code"), message.Payload ?? [], _output);
        return true;
    }

    private static string? Header(EventStreamMessage message, string name)
        => message.Headers.TryGetValue(name, out var header) && header.HeaderType == EventStreamHeaderType.String ? header.AsString() : null;

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _input.Length)
        {
            // Make room: move what is left to the front, or grow (the frame length check bounds the growth).
            var needed = _end - _start;
            var target = needed * 2 > _input.Length ? ArrayPool<byte>.Shared.Rent(Math.Max(_input.Length * 2, 8192)) : _input;
            _input.AsSpan(_start, needed).CopyTo(target);
            if (!ReferenceEquals(target, _input))
            {
                ArrayPool<byte>.Shared.Return(_input);
                _input = target;
            }

            _start = 0;
            _end = needed;
        }

        var read = await _body!.ReadAsync(_input.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _ended = true;
        }

        _end += read;
    }

    private async ValueTask ReleaseUpstreamAsync()
    {
        if (_body is { } body)
        {
            _body = null;
            await body.DisposeAsync().ConfigureAwait(false);
        }
    }
}
