using System.Buffers;
using System.Text;
using System.Text.Json;
using ModelRouter.Model;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// Relays an Anthropic stream to a client of the Messages door as it is: each event's name and data unchanged (thinking
/// blocks, signatures, citations and anything newer included), written as one <c>event:</c> line and one <c>data:</c> line.
/// </summary>
/// <remarks>
/// <c>message_start</c> and <c>ping</c> are held until the first event of the answer itself, so that a vendor that fails
/// right after <c>message_start</c> (an <c>overloaded_error</c> is common there) can still be failed over. An <c>error</c>
/// event fails the stream (the router ends it with its own error event, the vendor's words masked). The stream is complete
/// at <c>message_stop</c>. Only <c>message_start</c> and <c>message_delta</c> are read, for their token counts.
/// </remarks>
internal sealed class AnthropicPassThroughTranslator(SecretScrubber secrets) : SseEventTranslator
{
    private readonly PooledByteBufferWriter _held = new(512);
    private AnthropicUsage _usage;
    private bool _answering;

    public override (long InputTokens, long OutputTokens)? Usage => (_usage.PromptTokens, _usage.OutputTokens);

    public override void Translate(string eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        AnthropicEventKind kind;
        switch (eventType)
        {
            case "message_start" or "message_delta" or "error":
                AnthropicStreamEvent e;
                try
                {
                    e = AnthropicStreamEvent.Read(data);
                }
                catch (JsonException ex)
                {
                    throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not valid JSON.", ex);
                }

                kind = e.Kind;
                if (kind == AnthropicEventKind.Error)
                {
                    var errorType = UpstreamHttp.VendorField(e.GetString(e.Error.Type), secrets);
                    var message = UpstreamHttp.VendorText(e.GetString(e.Error.Message), secrets);
                    throw new InvalidUpstreamResponseException($"The vendor reported an error in the stream ({errorType ?? "unknown"}): {message ?? "no message"}");
                }

                _usage.Update(kind == AnthropicEventKind.MessageStart ? e.Message.Usage : e.Usage);
                break;
            case "message_stop":
                kind = AnthropicEventKind.MessageStop;
                break;
            case "ping":
                kind = AnthropicEventKind.Ping;
                break;
            default:
                kind = AnthropicEventKind.Other;
                break;
        }

        var name = NameOf(eventType);
        if (!_answering && kind is AnthropicEventKind.MessageStart or AnthropicEventKind.Ping)
        {
            SseOutput.WriteEvent(_held, name, data);
            return;
        }

        if (!_answering)
        {
            _answering = true;
            output.Write(_held.WrittenSpan);
        }

        SseOutput.WriteEvent(output, name, data);
        IsComplete = kind == AnthropicEventKind.MessageStop;
    }

    /// <summary>The event's name in UTF-8; the names of Anthropic's events without allocating.</summary>
    private static ReadOnlySpan<byte> NameOf(string eventType) => eventType switch
    {
        "content_block_delta" => "content_block_delta"u8,
        "content_block_start" => "content_block_start"u8,
        "content_block_stop" => "content_block_stop"u8,
        "message_start" => "message_start"u8,
        "message_delta" => "message_delta"u8,
        "message_stop" => "message_stop"u8,
        "ping" => "ping"u8,
        _ => Encoding.UTF8.GetBytes(eventType),
    };

    public override void Dispose()
    {
        _held.Dispose();
        base.Dispose();
    }
}
