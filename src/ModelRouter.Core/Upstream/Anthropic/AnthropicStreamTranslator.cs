using System.Buffers;
using ModelRouter.Model;
using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// Turns Anthropic stream events (<c>message_start</c>, <c>content_block_*</c>, <c>message_delta</c>,
/// <c>message_stop</c>, <c>ping</c>, <c>error</c>) into OpenAI <c>chat.completion.chunk</c> server-sent events, one
/// event at a time. Not thread-safe: one instance per stream.
/// </summary>
/// <param name="created">The Unix time written as <c>created</c>.</param>
/// <param name="includeUsage">Whether the client asked for a usage chunk.</param>
/// <param name="secrets">Masks the LLM's secrets in the vendor's words that go into exception messages.</param>
internal sealed class AnthropicStreamTranslator(long created, bool includeUsage, SecretScrubber? secrets = null) : SseEventTranslator
{
    private readonly SecretScrubber _secrets = secrets ?? SecretScrubber.None;
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private readonly PooledByteBufferWriter _json = new(512);
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string _model = "";
    private AnthropicUsage _usage;
    private string? _finishReason;
    private bool _finishSent;
    private byte[]? _roleEvent;

    /// <summary>Gets the token counts so far, in OpenAI's terms (prompt tokens include cache reads and writes).</summary>
    public override (long InputTokens, long OutputTokens)? Usage => (_usage.PromptTokens, _usage.OutputTokens);


    /// <inheritdoc/>
    public override void Translate(string eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output) => Translate(data, output);

    /// <summary>Translates one event's <c>data</c>; appends zero or more SSE events to <paramref name="output"/>.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The event is an <c>error</c>, is malformed, or arrives out of order.</exception>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        AnthropicStreamEvent e;
        try
        {
            e = AnthropicStreamEvent.Read(data);
        }
        catch (JsonException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not valid JSON.", ex);
        }

        switch (e.Kind)
        {
            case AnthropicEventKind.Ping:
                return;
            case AnthropicEventKind.Error:
                var errorType = UpstreamHttp.VendorField(e.GetString(e.Error.Type), _secrets);
                var message = UpstreamHttp.VendorText(e.GetString(e.Error.Message), _secrets);
                throw new InvalidUpstreamResponseException(
                    $"The vendor reported an error in the stream ({errorType ?? "unknown"}): {message ?? "no message"}");
            case AnthropicEventKind.MessageStart:
                OnMessageStart(e);
                return;
        }

        if (_id is null)
        {
            throw new InvalidUpstreamResponseException($"The vendor's stream sent '{UpstreamHttp.VendorField(e.GetString(e.Type), _secrets)}' before 'message_start'.");
        }

        switch (e.Kind)
        {
            case AnthropicEventKind.ContentBlockStart:
                OnBlockStart(e, output);
                break;
            case AnthropicEventKind.ContentBlockDelta:
                OnBlockDelta(e, output);
                break;
            case AnthropicEventKind.MessageDelta:
                _finishReason = AnthropicResponseTranslator.MapStopReason(e.GetString(e.Delta.StopReason)) ?? _finishReason;
                _usage.Update(e.Usage);
                if (_finishReason is not null && !_finishSent)
                {
                    WriteFinish(output);
                }

                break;
            case AnthropicEventKind.MessageStop:
                OnMessageStop(output);
                break;
            case AnthropicEventKind.ContentBlockStop:
                break;
            default:
                // Unknown events are skipped, as Anthropic asks of clients. The type is still decoded, so text that is
                // not valid fails the stream as it always has.
                _ = e.GetString(e.Type);
                break;
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _writer?.Dispose();
        _json.Dispose();
        base.Dispose();
    }

    private void OnMessageStart(in AnthropicStreamEvent e)
    {
        var message = e.Message;
        if (_id is not null || !message.IsObject)
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent an unexpected 'message_start'.");
        }

        _id = e.GetString(message.Id) ?? "";
        _model = e.GetString(message.Model) ?? "";
        _usage.Update(message.Usage);

        // The role chunk waits for the first real chunk: until something of the answer exists, nothing is sent, so a
        // vendor that fails right after message_start (overloaded_error is common there) can still be failed over.
        var writer = BeginChunk();
        writer.WriteString("role"u8, "assistant");
        writer.WriteString("content"u8, "");
        EndChunkJson(null);
        writer.Flush();
        _roleEvent = [.. "data: "u8, .. _json.WrittenSpan, .. "\n\n"u8];
    }

    private void OnBlockStart(in AnthropicStreamEvent e, IBufferWriter<byte> output)
    {
        var block = e.ContentBlock;
        if (!block.IsPresent || e.Index is not { } blockIndex)
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent a malformed 'content_block_start'.");
        }

        if (e.TextEquals(block.Type, "text"u8))
        {
            WriteContent(e.GetString(block.Text), output);
        }
        else if (e.TextEquals(block.Type, "tool_use"u8))
        {
            var toolIndex = _toolIndexByBlock.Count;
            _toolIndexByBlock[blockIndex] = toolIndex;
            var writer = BeginChunk();
            writer.WriteStartArray("tool_calls"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, toolIndex);
            writer.WriteString("id"u8, e.GetString(block.Id) ?? "");
            writer.WriteString("type"u8, "function");
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, e.GetString(block.Name) ?? "");
            writer.WriteString("arguments"u8, "");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            EndChunk(output, null);
        }
        else
        {
            // thinking and server tool blocks have no OpenAI counterpart in a chat completion: skipped (the type is
            // decoded only so that text that is not valid fails the stream as it always has).
            _ = e.GetString(block.Type);
        }
    }

    private void OnBlockDelta(in AnthropicStreamEvent e, IBufferWriter<byte> output)
    {
        var delta = e.Delta;
        if (!delta.IsPresent || e.Index is not { } blockIndex)
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent a malformed 'content_block_delta'.");
        }

        if (e.TextEquals(delta.Type, "text_delta"u8))
        {
            WriteContent(e.GetString(delta.Text), output);
        }
        else if (e.TextEquals(delta.Type, "input_json_delta"u8))
        {
            var fragment = e.GetString(delta.PartialJson);
            if (!_toolIndexByBlock.TryGetValue(blockIndex, out var toolIndex))
            {
                throw new InvalidUpstreamResponseException("The vendor's stream sent tool input for a block that is not a tool call.");
            }

            if (string.IsNullOrEmpty(fragment))
            {
                return;
            }

            var writer = BeginChunk();
            writer.WriteStartArray("tool_calls"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, toolIndex);
            writer.WriteStartObject("function"u8);
            writer.WriteString("arguments"u8, fragment);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            EndChunk(output, null);
        }
        else
        {
            // Thinking, signature and citation deltas are skipped, like their blocks.
            _ = e.GetString(delta.Type);
        }
    }

    private void OnMessageStop(IBufferWriter<byte> output)
    {
        if (!_finishSent)
        {
            _finishReason ??= "stop";
            WriteFinish(output);
        }

        if (includeUsage)
        {
            var writer = StartEvent();
            writer.WriteStartArray("choices"u8);
            writer.WriteEndArray();
            _usage.Write(writer);
            writer.WriteEndObject();
            FlushEvent(output);
        }

        FlushRole(output);
        output.Write("data: [DONE]\n\n"u8);
        IsComplete = true;
    }

    private void WriteContent(string? text, IBufferWriter<byte> output)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var writer = BeginChunk();
        writer.WriteString("content"u8, text);
        EndChunk(output, null);
    }

    private void WriteFinish(IBufferWriter<byte> output)
    {
        BeginChunk();
        EndChunk(output, _finishReason);
        _finishSent = true;
    }

    /// <summary>Starts a chunk and returns the writer positioned inside its <c>delta</c> object.</summary>
    private Utf8JsonWriter BeginChunk()
    {
        var writer = StartEvent();
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("delta"u8);
        return writer;
    }

    private void EndChunk(IBufferWriter<byte> output, string? finishReason)
    {
        EndChunkJson(finishReason);
        FlushEvent(output);
    }

    /// <summary>Closes the chunk's JSON in <see cref="_json"/>, without writing it out.</summary>
    private void EndChunkJson(string? finishReason)
    {
        var writer = _writer!;
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            writer.WriteNull("finish_reason"u8);
        }
        else
        {
            writer.WriteString("finish_reason"u8, finishReason);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private void FlushRole(IBufferWriter<byte> output)
    {
        if (_roleEvent is { } role)
        {
            _roleEvent = null;
            output.Write(role);
        }
    }

    private Utf8JsonWriter StartEvent()
    {
        _json.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_json, AnthropicRequestTranslator.WriterOptions);
        }
        else
        {
            _writer.Reset(_json);
        }

        var writer = _writer;
        writer.WriteStartObject();
        writer.WriteString("id"u8, _id);
        writer.WriteString("object"u8, "chat.completion.chunk");
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, _model);
        return writer;
    }

    private void FlushEvent(IBufferWriter<byte> output)
    {
        _writer!.Flush();
        FlushRole(output);
        output.Write("data: "u8);
        output.Write(_json.WrittenSpan);
        output.Write("\n\n"u8);
    }
}
