using System.Buffers;
using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>
/// Turns an OpenAI-compatible stream (<c>chat.completion.chunk</c> events, then <c>[DONE]</c>) into Anthropic's Messages
/// stream: <c>message_start</c>, a <c>content_block_start</c> / <c>_delta</c> / <c>_stop</c> run per text or tool_use block,
/// <c>message_delta</c> (stop reason and usage) and <c>message_stop</c>, each as an <c>event:</c> line and a <c>data:</c> line.
/// </summary>
/// <remarks>
/// Nothing is written until the answer has content (text, a tool call or its end): a vendor that fails before that can
/// still be failed over. The request asked for usage (<c>stream_options.include_usage</c>), which arrives in a chunk of its
/// own before <c>[DONE]</c>; the final <c>message_delta</c> carries it.
/// </remarks>
internal sealed class MessagesStreamTranslator(Model.SecretScrubber secrets) : SseEventTranslator
{
    private static ReadOnlySpan<byte> Done => "[DONE]"u8;

    private readonly PooledByteBufferWriter _json = new(512);
    private readonly Dictionary<int, int> _blockByTool = [];
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string _model = "";
    private bool _started;
    private int _blocks;
    private int _openBlock = -1;
    private bool _openIsText;
    private string? _finishReason;
    private ChatUsage _usage;

    public override (long InputTokens, long OutputTokens)? Usage => (_usage.PromptTokens, _usage.CompletionTokens);

    public override void Translate(string eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        if (data.Trim(" \r\n"u8).SequenceEqual(Done))
        {
            Finish(output);
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
            var chunk = document.RootElement;
            if (chunk.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not a JSON object.");
            }

            if (chunk.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var message = UpstreamHttp.VendorText(GetString(error, "message"), secrets);
                throw new InvalidUpstreamResponseException($"The vendor reported an error in the stream: {message ?? "no message"}");
            }

            _id ??= GetString(chunk, "id");
            if (_model.Length == 0 && GetString(chunk, "model") is { } model)
            {
                _model = model;
            }

            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                _usage = ChatUsage.From(usage);
            }

            if (!chunk.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                return;
            }

            var choice = choices[0];
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                if (GetString(delta, "content") is { Length: > 0 } text)
                {
                    WriteText(text, output);
                }

                if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        WriteToolCall(call, output);
                    }
                }
            }

            if (GetString(choice, "finish_reason") is { } finish)
            {
                _finishReason = finish;
            }
        }
    }

    public override void Dispose()
    {
        _writer?.Dispose();
        _json.Dispose();
        base.Dispose();
    }

    private void WriteText(string text, IBufferWriter<byte> output)
    {
        if (_openBlock < 0 || !_openIsText)
        {
            StartBlock(output, isText: true, id: null, name: null);
        }

        var writer = Begin();
        writer.WriteString("type"u8, "content_block_delta");
        writer.WriteNumber("index"u8, _openBlock);
        writer.WriteStartObject("delta"u8);
        writer.WriteString("type"u8, "text_delta");
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
        End(output, "content_block_delta"u8);
    }

    private void WriteToolCall(JsonElement call, IBufferWriter<byte> output)
    {
        var toolIndex = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
        var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        if (!_blockByTool.TryGetValue(toolIndex, out var block))
        {
            var name = function.ValueKind == JsonValueKind.Object ? GetString(function, "name") : null;
            StartBlock(output, isText: false, GetString(call, "id") ?? "", name ?? "");
            _blockByTool[toolIndex] = _openBlock;
            block = _openBlock;
        }

        var arguments = function.ValueKind == JsonValueKind.Object ? GetString(function, "arguments") : null;
        if (string.IsNullOrEmpty(arguments))
        {
            return;
        }

        if (block != _openBlock)
        {
            throw new InvalidUpstreamResponseException("The vendor's stream interleaved the arguments of several tool calls.");
        }

        var writer = Begin();
        writer.WriteString("type"u8, "content_block_delta");
        writer.WriteNumber("index"u8, block);
        writer.WriteStartObject("delta"u8);
        writer.WriteString("type"u8, "input_json_delta");
        writer.WriteString("partial_json"u8, arguments);
        writer.WriteEndObject();
        End(output, "content_block_delta"u8);
    }

    private void StartBlock(IBufferWriter<byte> output, bool isText, string? id, string? name)
    {
        EnsureStarted(output);
        CloseBlock(output);
        _openBlock = _blocks++;
        _openIsText = isText;
        var writer = Begin();
        writer.WriteString("type"u8, "content_block_start");
        writer.WriteNumber("index"u8, _openBlock);
        writer.WriteStartObject("content_block"u8);
        if (isText)
        {
            writer.WriteString("type"u8, "text");
            writer.WriteString("text"u8, "");
        }
        else
        {
            writer.WriteString("type"u8, "tool_use");
            writer.WriteString("id"u8, id);
            writer.WriteString("name"u8, name);
            writer.WriteStartObject("input"u8);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        End(output, "content_block_start"u8);
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_openBlock < 0)
        {
            return;
        }

        var writer = Begin();
        writer.WriteString("type"u8, "content_block_stop");
        writer.WriteNumber("index"u8, _openBlock);
        End(output, "content_block_stop"u8);
        _openBlock = -1;
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        var writer = Begin();
        writer.WriteString("type"u8, "message_start");
        writer.WriteStartObject("message"u8);
        writer.WriteString("id"u8, MessagesResponseTranslator.MessageId(_id));
        writer.WriteString("type"u8, "message");
        writer.WriteString("role"u8, "assistant");
        writer.WriteString("model"u8, _model);
        writer.WriteStartArray("content"u8);
        writer.WriteEndArray();
        writer.WriteNull("stop_reason"u8);
        writer.WriteNull("stop_sequence"u8);
        _usage.Write(writer);
        writer.WriteEndObject();
        End(output, "message_start"u8);
    }

    private void Finish(IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        CloseBlock(output);
        var writer = Begin();
        writer.WriteString("type"u8, "message_delta");
        writer.WriteStartObject("delta"u8);
        writer.WriteString("stop_reason"u8, MessagesResponseTranslator.StopReason(_finishReason));
        writer.WriteNull("stop_sequence"u8);
        writer.WriteEndObject();
        _usage.Write(writer);
        End(output, "message_delta"u8);
        writer = Begin();
        writer.WriteString("type"u8, "message_stop");
        End(output, "message_stop"u8);
        IsComplete = true;
    }

    /// <summary>Starts an event's JSON object in the reused buffer.</summary>
    private Utf8JsonWriter Begin()
    {
        _json.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_json, MessagesResponseTranslator.WriterOptions);
        }
        else
        {
            _writer.Reset(_json);
        }

        _writer.WriteStartObject();
        return _writer;
    }

    /// <summary>Ends the event's JSON and appends <c>event: NAME\ndata: JSON\n\n</c> to <paramref name="output"/>.</summary>
    private void End(IBufferWriter<byte> output, ReadOnlySpan<byte> name)
    {
        _writer!.WriteEndObject();
        _writer.Flush();
        SseOutput.WriteEvent(output, name, _json.WrittenSpan);
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Writes named server-sent events.</summary>
internal static class SseOutput
{
    /// <summary>Appends <c>event: NAME\ndata: DATA\n\n</c>.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        var length = 7 + name.Length + 7 + data.Length + 2;
        var span = output.GetSpan(length);
        "event: "u8.CopyTo(span);
        var at = 7;
        name.CopyTo(span[at..]);
        at += name.Length;
        "\ndata: "u8.CopyTo(span[at..]);
        at += 7;
        data.CopyTo(span[at..]);
        at += data.Length;
        "\n\n"u8.CopyTo(span[at..]);
        output.Advance(length);
    }
}
