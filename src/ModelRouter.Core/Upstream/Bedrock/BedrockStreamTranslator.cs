using System.Buffers;
using System.Text.Json;
using ModelRouter.Model;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>
/// Turns ConverseStream events (<c>messageStart</c>, <c>contentBlockStart</c>, <c>contentBlockDelta</c>,
/// <c>contentBlockStop</c>, <c>messageStop</c>, <c>metadata</c>, and exception messages) into OpenAI
/// <c>chat.completion.chunk</c> server-sent events. Not thread-safe: one instance per stream.
/// </summary>
internal sealed class BedrockStreamTranslator(string id, string model, long created, bool includeUsage, SecretScrubber? secrets = null) : IDisposable
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };
    private readonly SecretScrubber _secrets = secrets ?? SecretScrubber.None;
    private readonly PooledByteBufferWriter _json = new(512);
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private Utf8JsonWriter? _writer;
    private bool _roleSent;
    private bool _finished;
    private BedrockUsage? _usage;

    /// <summary>Gets the token counts the <c>metadata</c> event gave, in OpenAI's terms.</summary>
    public (long InputTokens, long OutputTokens)? Usage => _usage is { } usage ? (usage.PromptTokens, usage.OutputTokens) : null;

    /// <summary>Gets a value indicating whether <c>[DONE]</c> was written.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Translates one event-stream message; appends zero or more SSE events to <paramref name="output"/>.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The message is an exception, or its payload is not what its type says.</exception>
    public void Translate(string? messageType, string? eventType, string? exceptionType, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(payload, s_options);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a stream event whose payload is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (messageType != "event")
            {
                var message = UpstreamHttp.VendorText(GetString(root, "message") ?? GetString(root, "Message"), _secrets);
                throw new InvalidUpstreamResponseException(
                    $"The vendor reported an error in the stream ({UpstreamHttp.VendorField(exceptionType ?? messageType, _secrets) ?? "unknown"}): {message ?? "no message"}");
            }

            switch (eventType)
            {
                case "contentBlockStart":
                    OnBlockStart(root, output);
                    break;
                case "contentBlockDelta":
                    OnBlockDelta(root, output);
                    break;
                case "messageStop":
                    if (!_finished)
                    {
                        BeginChunk();
                        EndChunk(output, BedrockResponseTranslator.MapStopReason(GetString(root, "stopReason")));
                        _finished = true;
                    }

                    break;
                case "metadata":
                    if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    {
                        _usage = BedrockUsage.From(usage);
                    }

                    if (_finished)
                    {
                        Complete(output);
                    }

                    break;
            }
        }
    }

    /// <summary>Ends the stream when the vendor's body ended: fine after <c>messageStop</c> (the usage chunk, when asked for, then <c>[DONE]</c>).</summary>
    /// <exception cref="InvalidUpstreamResponseException">The body ended before <c>messageStop</c>.</exception>
    public void Complete(IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        if (!_finished)
        {
            throw new InvalidUpstreamResponseException("The vendor ended the stream before its 'messageStop' event.");
        }

        if (includeUsage && _usage is { } usage)
        {
            var writer = StartEvent();
            writer.WriteStartArray("choices"u8);
            writer.WriteEndArray();
            usage.Write(writer);
            writer.WriteEndObject();
            FlushEvent(output);
        }

        output.Write("data: [DONE]\n\n"u8);
        IsComplete = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _writer?.Dispose();
        _json.Dispose();
    }

    private static int BlockIndex(JsonElement root)
        => root.TryGetProperty("contentBlockIndex", out var index) && index.ValueKind == JsonValueKind.Number && index.TryGetInt32(out var value)
            ? value
            : throw new InvalidUpstreamResponseException("The vendor sent a content block event without its 'contentBlockIndex'.");

    private void OnBlockStart(JsonElement root, IBufferWriter<byte> output)
    {
        var block = BlockIndex(root);
        if (!root.TryGetProperty("start", out var start) || !start.TryGetProperty("toolUse", out var toolUse) || toolUse.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var toolIndex = _toolIndexByBlock.Count;
        _toolIndexByBlock[block] = toolIndex;
        var writer = BeginChunk();
        writer.WriteStartArray("tool_calls"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, toolIndex);
        writer.WriteString("id"u8, GetString(toolUse, "toolUseId") ?? "");
        writer.WriteString("type"u8, "function");
        writer.WriteStartObject("function"u8);
        writer.WriteString("name"u8, GetString(toolUse, "name") ?? "");
        writer.WriteString("arguments"u8, "");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        EndChunk(output, null);
    }

    private void OnBlockDelta(JsonElement root, IBufferWriter<byte> output)
    {
        var block = BlockIndex(root);
        if (!root.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a 'contentBlockDelta' without its 'delta'.");
        }

        if (GetString(delta, "text") is { } text)
        {
            if (text.Length > 0)
            {
                var writer = BeginChunk();
                writer.WriteString("content"u8, text);
                EndChunk(output, null);
            }
        }
        else if (delta.TryGetProperty("toolUse", out var toolUse) && toolUse.ValueKind == JsonValueKind.Object)
        {
            if (!_toolIndexByBlock.TryGetValue(block, out var toolIndex))
            {
                throw new InvalidUpstreamResponseException("The vendor's stream sent tool input for a block that is not a tool use.");
            }

            if (GetString(toolUse, "input") is not { Length: > 0 } fragment)
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

        // Reasoning and citation deltas have no place in a chat completion: skipped.
    }

    private Utf8JsonWriter BeginChunk()
    {
        var writer = StartEvent();
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("delta"u8);
        if (!_roleSent)
        {
            writer.WriteString("role"u8, "assistant");
            _roleSent = true;
        }

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

    private Utf8JsonWriter StartEvent()
    {
        _json.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_json, WriterOptions);
        }
        else
        {
            _writer.Reset(_json);
        }

        var writer = _writer;
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("object"u8, "chat.completion.chunk");
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, model);
        return writer;
    }

    private void FlushEvent(IBufferWriter<byte> output)
    {
        _writer!.Flush();
        output.Write("data: "u8);
        output.Write(_json.WrittenSpan);
        output.Write("\n\n"u8);
    }
}
