using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// Turns Anthropic stream events (<c>message_start</c>, <c>content_block_*</c>, <c>message_delta</c>,
/// <c>message_stop</c>, <c>ping</c>, <c>error</c>) into OpenAI <c>chat.completion.chunk</c> server-sent events, one
/// event at a time. Not thread-safe: one instance per stream.
/// </summary>
internal sealed class AnthropicStreamTranslator(long created, bool includeUsage) : IDisposable
{
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private readonly ArrayBufferWriter<byte> _json = new(512);
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string _model = "";
    private AnthropicUsage _usage;
    private string? _finishReason;
    private bool _finishSent;
    private byte[]? _roleEvent;

    /// <summary>Gets a value indicating whether <c>message_stop</c> arrived and <c>[DONE]</c> was written.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Translates one event's <c>data</c>; appends zero or more SSE events to <paramref name="output"/>.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The event is an <c>error</c>, is malformed, or arrives out of order.</exception>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var type = AnthropicResponseTranslator.GetString(root, "type");
            switch (type)
            {
                case "ping":
                    return;
                case "error":
                    AnthropicErrorMapper.TryRead(root, out var errorType, out var message);
                    throw new InvalidUpstreamResponseException(
                        $"The vendor reported an error in the stream ({errorType ?? "unknown"}): {AnthropicErrorMapper.Truncate(message) ?? "no message"}");
                case "message_start":
                    OnMessageStart(root, output);
                    return;
            }

            if (_id is null)
            {
                throw new InvalidUpstreamResponseException($"The vendor's stream sent '{type}' before 'message_start'.");
            }

            switch (type)
            {
                case "content_block_start":
                    OnBlockStart(root, output);
                    break;
                case "content_block_delta":
                    OnBlockDelta(root, output);
                    break;
                case "message_delta":
                    if (root.TryGetProperty("delta", out var delta))
                    {
                        _finishReason = AnthropicResponseTranslator.MapStopReason(AnthropicResponseTranslator.GetString(delta, "stop_reason")) ?? _finishReason;
                    }

                    if (root.TryGetProperty("usage", out var usage))
                    {
                        _usage.Update(usage);
                    }

                    if (_finishReason is not null && !_finishSent)
                    {
                        WriteFinish(output);
                    }

                    break;
                case "message_stop":
                    OnMessageStop(output);
                    break;

                // content_block_stop needs nothing; unknown events are skipped, as Anthropic asks of clients.
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _writer?.Dispose();

    private void OnMessageStart(JsonElement root, IBufferWriter<byte> output)
    {
        if (_id is not null || !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent an unexpected 'message_start'.");
        }

        _id = AnthropicResponseTranslator.GetString(message, "id") ?? "";
        _model = AnthropicResponseTranslator.GetString(message, "model") ?? "";
        if (message.TryGetProperty("usage", out var usage))
        {
            _usage.Update(usage);
        }

        // The role chunk waits for the first real chunk: until something of the answer exists, nothing is sent, so a
        // vendor that fails right after message_start (overloaded_error is common there) can still be failed over.
        var role = new ArrayBufferWriter<byte>(256);
        var writer = BeginChunk();
        writer.WriteString("role"u8, "assistant");
        writer.WriteString("content"u8, "");
        EndChunk(role, null);
        _roleEvent = role.WrittenSpan.ToArray();
    }

    private void OnBlockStart(JsonElement root, IBufferWriter<byte> output)
    {
        if (!root.TryGetProperty("content_block", out var block) || !root.TryGetProperty("index", out var indexElement) || !indexElement.TryGetInt32(out var blockIndex))
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent a malformed 'content_block_start'.");
        }

        switch (AnthropicResponseTranslator.GetString(block, "type"))
        {
            case "text":
                WriteContent(AnthropicResponseTranslator.GetString(block, "text"), output);
                break;
            case "tool_use":
                var toolIndex = _toolIndexByBlock.Count;
                _toolIndexByBlock[blockIndex] = toolIndex;
                var writer = BeginChunk();
                writer.WriteStartArray("tool_calls"u8);
                writer.WriteStartObject();
                writer.WriteNumber("index"u8, toolIndex);
                writer.WriteString("id"u8, AnthropicResponseTranslator.GetString(block, "id") ?? "");
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, AnthropicResponseTranslator.GetString(block, "name") ?? "");
                writer.WriteString("arguments"u8, "");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndArray();
                EndChunk(output, null);
                break;

            // thinking and server tool blocks have no OpenAI counterpart in a chat completion: skipped.
        }
    }

    private void OnBlockDelta(JsonElement root, IBufferWriter<byte> output)
    {
        if (!root.TryGetProperty("delta", out var delta) || !root.TryGetProperty("index", out var indexElement) || !indexElement.TryGetInt32(out var blockIndex))
        {
            throw new InvalidUpstreamResponseException("The vendor's stream sent a malformed 'content_block_delta'.");
        }

        switch (AnthropicResponseTranslator.GetString(delta, "type"))
        {
            case "text_delta":
                WriteContent(AnthropicResponseTranslator.GetString(delta, "text"), output);
                break;
            case "input_json_delta":
                var fragment = AnthropicResponseTranslator.GetString(delta, "partial_json");
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
                break;
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
        FlushEvent(output);
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

/// <summary>Reads Anthropic's event stream with <see cref="SseParser"/> and hands out OpenAI chunk events.</summary>
internal sealed class AnthropicEventStream(HttpResponseMessage response, AnthropicStreamTranslator translator) : ChatEventReader
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly CancellationTokenSource _cancellation = new();
    private IAsyncEnumerator<SseItem<byte[]>>? _events;
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
            _events = SseParser.Create(_body, static (_, data) => data.ToArray()).EnumerateAsync(_cancellation.Token).GetAsyncEnumerator(_cancellation.Token);
        }

        // Events that produce nothing (ping, content_block_stop) are read past: an empty result means the end.
        while (_output.WrittenCount == 0 && !translator.IsComplete)
        {
            if (!await _events.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidUpstreamResponseException("The vendor ended the stream before its 'message_stop' event.");
            }

            translator.Translate(_events.Current.Data, _output);
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
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
