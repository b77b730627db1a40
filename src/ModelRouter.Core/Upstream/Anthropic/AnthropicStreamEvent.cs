using System.Text.Json;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>The Anthropic stream event types the translator acts on; anything else is <see cref="Other"/>.</summary>
internal enum AnthropicEventKind
{
    Other,
    Ping,
    Error,
    MessageStart,
    ContentBlockStart,
    ContentBlockDelta,
    ContentBlockStop,
    MessageDelta,
    MessageStop,
}

/// <summary>
/// The fields of one Anthropic stream event that the translator reads, found by one forward-only pass over the event's
/// data, which stays where it lies: strings are kept as positions and decoded only when asked for.
/// </summary>
/// <remarks>
/// Reads what <see cref="JsonElement"/> lookups on a parsed <see cref="JsonDocument"/> would: the whole event is
/// validated (trailing content and nesting beyond 256 levels are errors), unknown fields are skipped, the last of
/// duplicate properties wins, and a field of an unexpected JSON type counts as absent.
/// </remarks>
internal ref struct AnthropicStreamEvent
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };
    private readonly ReadOnlySpan<byte> _data;

    private AnthropicStreamEvent(ReadOnlySpan<byte> data) => _data = data;

    /// <summary>Gets the event's <c>type</c>, as far as the translator knows it.</summary>
    public AnthropicEventKind Kind { get; private set; }

    /// <summary>Gets the event's <c>type</c> string.</summary>
    public JsonStringRange Type { get; private set; }

    /// <summary>Gets the content block <c>index</c>; null when absent or not a 32-bit integer.</summary>
    public int? Index { get; private set; }

    /// <summary>Gets the <c>message</c> of a <c>message_start</c>.</summary>
    public AnthropicEventObject Message { get; private set; }

    /// <summary>Gets the <c>content_block</c> of a <c>content_block_start</c>.</summary>
    public AnthropicEventObject ContentBlock { get; private set; }

    /// <summary>Gets the <c>delta</c> of a <c>content_block_delta</c> or <c>message_delta</c>.</summary>
    public AnthropicEventObject Delta { get; private set; }

    /// <summary>Gets the <c>error</c> of an <c>error</c> event.</summary>
    public AnthropicEventObject Error { get; private set; }

    /// <summary>Gets the top-level <c>usage</c> of a <c>message_delta</c>.</summary>
    public AnthropicUsageCounts Usage { get; private set; }

    /// <summary>Reads one event's <c>data</c>.</summary>
    /// <exception cref="JsonException">The data is not one valid JSON value.</exception>
    public static AnthropicStreamEvent Read(ReadOnlySpan<byte> data)
    {
        var result = new AnthropicStreamEvent(data);
        var reader = new Utf8JsonReader(data, s_options);
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            result.ReadRoot(ref reader);
        }
        else
        {
            reader.Skip();
        }

        // Throws unless only white space follows the value, as JsonDocument.Parse does.
        reader.Read();
        result.Kind = result.ClassifyType();
        return result;
    }

    /// <summary>Decodes a string field, as <see cref="JsonElement.GetString"/> does; null when absent.</summary>
    /// <exception cref="InvalidOperationException">The string is not valid text (invalid UTF-8, a lone surrogate).</exception>
    public readonly string? GetString(JsonStringRange range)
    {
        if (range.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(_data.Slice(range.Start, range.Length));
        reader.Read();
        return reader.GetString();
    }

    /// <summary>Gets a value indicating whether a string field, unescaped, equals <paramref name="utf8Text"/>.</summary>
    /// <exception cref="InvalidOperationException">The string escapes a lone surrogate.</exception>
    public readonly bool TextEquals(JsonStringRange range, ReadOnlySpan<byte> utf8Text)
    {
        if (range.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(_data.Slice(range.Start, range.Length));
        reader.Read();
        return reader.ValueTextEquals(utf8Text);
    }

    /// <summary>Reads a string value, leaving the reader at the end of whatever value it found.</summary>
    private static JsonStringRange ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return default;
        }

        // The reader sits on an opening quote that its raw (still escaped) value follows, then the closing quote.
        return new JsonStringRange((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
    }

    private static AnthropicUsageCounts ReadUsage(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }

        var counts = default(AnthropicUsageCounts);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                counts = counts with { InputTokens = ReadCount(ref reader) };
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                counts = counts with { OutputTokens = ReadCount(ref reader) };
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                counts = counts with { CacheReadTokens = ReadCount(ref reader) };
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                counts = counts with { CacheCreationTokens = ReadCount(ref reader) };
            }
            else
            {
                reader.Skip();
            }
        }

        return counts;
    }

    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetInt64(out var count) ? count : null;
        }

        reader.Skip();
        return null;
    }

    private static int? ReadIndex(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetInt32(out var index) ? index : null;
        }

        reader.Skip();
        return null;
    }

    private static AnthropicEventObject ReadObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new AnthropicEventObject { IsPresent = true };
        }

        var result = new AnthropicEventObject { IsPresent = true, IsObject = true };
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                result.Type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                result.Text = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("partial_json"u8))
            {
                result.PartialJson = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                result.Id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                result.Name = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                result.Model = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                result.StopReason = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                result.Message = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                result.Usage = ReadUsage(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    /// <summary>
    /// Classifies the <c>type</c> once the whole event is read: only the last one counts, and an earlier one that
    /// escapes a lone surrogate (which fails a comparison) must not fail the event.
    /// </summary>
    private readonly AnthropicEventKind ClassifyType()
        => TextEquals(Type, "content_block_delta"u8) ? AnthropicEventKind.ContentBlockDelta
            : TextEquals(Type, "ping"u8) ? AnthropicEventKind.Ping
            : TextEquals(Type, "content_block_start"u8) ? AnthropicEventKind.ContentBlockStart
            : TextEquals(Type, "content_block_stop"u8) ? AnthropicEventKind.ContentBlockStop
            : TextEquals(Type, "message_start"u8) ? AnthropicEventKind.MessageStart
            : TextEquals(Type, "message_delta"u8) ? AnthropicEventKind.MessageDelta
            : TextEquals(Type, "message_stop"u8) ? AnthropicEventKind.MessageStop
            : TextEquals(Type, "error"u8) ? AnthropicEventKind.Error
            : AnthropicEventKind.Other;

    private void ReadRoot(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                Type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                Index = ReadIndex(ref reader);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                Delta = ReadObject(ref reader);
            }
            else if (reader.ValueTextEquals("content_block"u8))
            {
                ContentBlock = ReadObject(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                Usage = ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                Message = ReadObject(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                Error = ReadObject(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
    }
}

/// <summary>Where a JSON string token, quotes included, lies in an event's data; empty when the field is absent or not a string.</summary>
internal readonly record struct JsonStringRange(int Start, int Length)
{
    public bool IsEmpty => Length == 0;
}

/// <summary>The fields the translator reads from one object of an event; all empty when the value is not an object.</summary>
internal record struct AnthropicEventObject
{
    /// <summary>Gets or sets a value indicating whether the property exists, whatever its JSON type.</summary>
    public bool IsPresent { get; set; }

    /// <summary>Gets or sets a value indicating whether the property is an object.</summary>
    public bool IsObject { get; set; }

    public JsonStringRange Type { get; set; }

    public JsonStringRange Text { get; set; }

    public JsonStringRange PartialJson { get; set; }

    public JsonStringRange Id { get; set; }

    public JsonStringRange Name { get; set; }

    public JsonStringRange Model { get; set; }

    public JsonStringRange StopReason { get; set; }

    public JsonStringRange Message { get; set; }

    public AnthropicUsageCounts Usage { get; set; }
}
