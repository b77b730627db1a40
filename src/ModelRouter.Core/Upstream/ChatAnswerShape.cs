using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>What one event of an OpenAI chat stream carries, as far as committing the stream to the client is concerned.</summary>
internal enum ChatEventKind
{
    /// <summary>Nothing of the answer yet: a chunk whose choices carry only a role or empty deltas, a usage chunk, a comment.</summary>
    Preamble,

    /// <summary>Part of the answer (text, a tool call, a refusal, any other delta field with a value, or a finish reason), or data of a shape the router does not know.</summary>
    Content,

    /// <summary>The <c>[DONE]</c> line.</summary>
    Done,

    /// <summary>An <c>error</c> object in place of a chunk.</summary>
    Error,

    /// <summary>Data that is not a JSON object.</summary>
    Invalid,
}

/// <summary>
/// Tells whether an OpenAI answer carries anything usable: a <c>chat.completion</c> with a choice that has content, a tool
/// call or a finish reason, and the events of a stream that do. A vendor's 200 without any of that is a failure.
/// </summary>
/// <remarks>
/// A choice is usable when its <c>message</c> (<c>delta</c> in a stream) has a field other than <c>role</c> with a value
/// (a non-empty string, a non-empty array, an object: <c>content</c>, <c>tool_calls</c>, <c>refusal</c>, a reasoning
/// field), or when its <c>finish_reason</c> is set. Reads with <see cref="Utf8JsonReader"/> and returns at the first
/// usable field, so a usual answer is read only as far as its first choice's content.
/// </remarks>
internal static class ChatAnswerShape
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };

    /// <summary>Tells whether a non-streamed <c>chat.completion</c> body has a usable choice.</summary>
    public static bool HasUsableChoice(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, s_options);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && FindUsableChoice(ref reader, "message"u8, out _, out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Classifies the <c>data</c> of one stream event.</summary>
    public static ChatEventKind ClassifyEvent(ReadOnlySpan<byte> data)
    {
        data = data.Trim(" \t"u8);
        if (data.SequenceEqual("[DONE]"u8))
        {
            return ChatEventKind.Done;
        }

        var reader = new Utf8JsonReader(data, s_options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ChatEventKind.Invalid;
            }

            // An object that is neither a chunk nor an error is not the router's to judge: it passes as content, as before.
            return FindUsableChoice(ref reader, "delta"u8, out var error, out var sawChoices) ? ChatEventKind.Content
                : error ? ChatEventKind.Error
                : sawChoices ? ChatEventKind.Preamble
                : ChatEventKind.Content;
        }
        catch (JsonException)
        {
            return ChatEventKind.Invalid;
        }
    }

    /// <summary>
    /// Classifies the complete events in <paramref name="sse"/> (server-sent event text: <c>data:</c> lines, blank lines
    /// between events) from the first on, stopping at the first one that is not <see cref="ChatEventKind.Preamble"/>.
    /// </summary>
    /// <param name="sse">The bytes; only events ended by a blank line are looked at.</param>
    /// <param name="consumed">How many bytes of complete preamble events were read past (to resume after more arrive).</param>
    /// <returns>The kind of the first event that is not a preamble, or <see cref="ChatEventKind.Preamble"/> when all complete ones are.</returns>
    public static ChatEventKind ClassifyEvents(ReadOnlySpan<byte> sse, out int consumed)
    {
        consumed = 0;
        var start = 0;
        var lineStart = 0;
        var i = 0;
        while (i < sse.Length)
        {
            var lineBreak = sse[i..].IndexOfAny((byte)'\n', (byte)'\r');
            if (lineBreak < 0)
            {
                break;
            }

            var end = i + lineBreak;
            var next = end + (sse[end] == (byte)'\r' && end + 1 < sse.Length && sse[end + 1] == (byte)'\n' ? 2 : 1);
            if (sse[end] == (byte)'\r' && end + 1 == sse.Length)
            {
                // A CR at the very end may be half of a CRLF: wait for the next byte.
                break;
            }

            if (end == lineStart)
            {
                // A blank line: the event from start to here is complete.
                var kind = ClassifyEventLines(sse[start..end]);
                if (kind != ChatEventKind.Preamble)
                {
                    return kind;
                }

                consumed = next;
                start = next;
            }

            lineStart = next;
            i = next;
        }

        return ChatEventKind.Preamble;
    }

    /// <summary>Classifies one event by its <c>data:</c> lines (each holding a whole JSON value, as OpenAI sends them).</summary>
    private static ChatEventKind ClassifyEventLines(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            var lineBreak = lines.IndexOfAny((byte)'\n', (byte)'\r');
            var line = lineBreak < 0 ? lines : lines[..lineBreak];
            lines = lineBreak < 0 ? default : lines[(lineBreak + 1)..];
            if (line.StartsWith("data:"u8))
            {
                var kind = ClassifyEvent(line[5..]);
                if (kind != ChatEventKind.Preamble)
                {
                    return kind;
                }
            }
        }

        return ChatEventKind.Preamble;
    }

    /// <summary>Reads an answer object (the reader on its start) for a usable choice; notes an <c>error</c> property.</summary>
    private static bool FindUsableChoice(ref Utf8JsonReader reader, ReadOnlySpan<byte> container, out bool error, out bool sawChoices)
    {
        error = false;
        sawChoices = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    sawChoices = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        if (IsUsableChoice(ref reader, container))
                        {
                            return true;
                        }
                    }

                    continue;
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error |= reader.TokenType == JsonTokenType.StartObject;
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return false;
    }

    /// <summary>Reads one choice (the reader on its start); leaves the reader on its end when it is not usable.</summary>
    private static bool IsUsableChoice(ref Utf8JsonReader reader, ReadOnlySpan<byte> container)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    return true;
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals(container))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject && HasValue(ref reader))
                {
                    return true;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return false;
    }

    /// <summary>Reads a message or delta object (the reader on its start) for a field other than <c>role</c> with a value.</summary>
    private static bool HasValue(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var role = reader.ValueTextEquals("role"u8);
            reader.Read();
            if (!role)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String when reader.HasValueSequence ? reader.ValueSequence.Length > 0 : reader.ValueSpan.Length > 0:
                        return true;
                    case JsonTokenType.StartObject:
                        return true;
                    case JsonTokenType.StartArray:
                        if (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            return true;
                        }

                        continue;
                }
            }

            reader.Skip();
        }

        return false;
    }
}
