using System.Text.Json;

namespace ModelRouter.Upstream;

/// <summary>
/// Reads the token counts and the model name an OpenAI answer (a <c>chat.completion</c> body or a stream's events) reports,
/// without parsing the whole answer: the <c>usage</c> object is found from the end, the <c>model</c> from the start.
/// </summary>
/// <remarks>
/// A raw <c>"usage"</c> (quotes unescaped) followed by a colon can only be a property name: inside a JSON string its
/// quotes would be escaped. Only ever called while someone listens.
/// </remarks>
internal static class AnswerReader
{
    /// <summary>Finds the last <c>usage</c> object in <paramref name="utf8"/> and reads its counts.</summary>
    public static bool TryReadUsage(ReadOnlySpan<byte> utf8, out long inputTokens, out long outputTokens)
    {
        inputTokens = outputTokens = 0;
        var at = utf8.LastIndexOf("\"usage\""u8);
        if (at < 0 || ValueStart(utf8, at + 7) is not { } start || utf8[start] != (byte)'{')
        {
            return false;
        }

        var reader = new Utf8JsonReader(utf8[start..], isFinalBlock: false, state: default);
        bool sawInput = false, sawOutput = false;
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var input = reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8);
                var output = !input && (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8));
                if (!reader.Read())
                {
                    break;
                }

                if (reader.TokenType == JsonTokenType.Number && (input || output) && reader.TryGetInt64(out var count))
                {
                    if (input)
                    {
                        inputTokens = count;
                        sawInput = true;
                    }
                    else
                    {
                        outputTokens = count;
                        sawOutput = true;
                    }
                }
                else if (!reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // A usage object of the wrong shape reports nothing.
        }

        return sawInput || sawOutput;
    }

    /// <summary>Reads the first <c>model</c> string in <paramref name="utf8"/> (the answer's own, which comes before its choices).</summary>
    public static string? ReadModel(ReadOnlySpan<byte> utf8)
    {
        var at = utf8.IndexOf("\"model\""u8);
        if (at < 0 || ValueStart(utf8, at + 7) is not { } start || utf8[start] != (byte)'"')
        {
            return null;
        }

        var reader = new Utf8JsonReader(utf8[start..], isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Finds the usage-only event of an OpenAI stream (empty or no <c>choices</c>, a <c>usage</c> object), the one a vendor
    /// sends before <c>[DONE]</c> when asked for <c>stream_options.include_usage</c>, in <paramref name="events"/>: whole
    /// events, from an event's start to a blank line. Only the last <c>usage</c> property is looked at (the usage event is the
    /// last one with usage), so the search is one backward scan that, on a stream whose chunks carry <c>"usage":null</c>,
    /// stops within the last event.
    /// </summary>
    /// <param name="events">Whole server-sent events.</param>
    /// <param name="start">Where the event starts.</param>
    /// <param name="length">The event's length, its blank line included.</param>
    /// <returns>Whether such an event was found. An event of more than one line is never taken for it.</returns>
    public static bool TryFindUsageEvent(ReadOnlySpan<byte> events, out int start, out int length)
    {
        start = length = 0;
        var at = events.LastIndexOf("\"usage\""u8);
        if (at < 0 || ValueStart(events, at + 7) is not { } value || events[value] != (byte)'{')
        {
            return false;
        }

        // The event is one data line, preceded by a blank line (or the start) and followed by one.
        var lineStart = events[..at].LastIndexOfAny((byte)'\n', (byte)'\r') + 1;
        var lineEnd = events[at..].IndexOfAny((byte)'\n', (byte)'\r');
        if (lineEnd < 0 || !events[lineStart..].StartsWith("data:"u8) || !IsEventStart(events[..lineStart]))
        {
            return false;
        }

        lineEnd += at;
        var end = SkipLineBreak(events, lineEnd);
        if (end >= events.Length || events[end] is not ((byte)'\n' or (byte)'\r'))
        {
            return false;
        }

        end = SkipLineBreak(events, end);
        var line = events[lineStart..lineEnd];
        var choices = line.IndexOf("\"choices\""u8);
        if (choices >= 0 && !IsEmptyArray(line, choices + 9))
        {
            return false;
        }

        start = lineStart;
        length = end - lineStart;
        return true;
    }

    /// <summary>
    /// Tells whether a line starts an event: what comes before it ends with a blank line (two line breaks, CRLF counting as
    /// one), or is only line breaks (the events start at an event's start; a CRLF may be cut after its CR).
    /// </summary>
    private static bool IsEventStart(ReadOnlySpan<byte> before)
    {
        if (before.IndexOfAnyExcept((byte)'\n', (byte)'\r') < 0)
        {
            return true;
        }

        var last = before.Length - 1;
        if (before[last] == (byte)'\n' && last > 0 && before[last - 1] == (byte)'\r')
        {
            last--;
        }

        return last > 0 && before[last - 1] is (byte)'\n' or (byte)'\r';
    }

    /// <summary>Returns the index after the line break (LF, CR or CRLF) at <paramref name="index"/>.</summary>
    private static int SkipLineBreak(ReadOnlySpan<byte> utf8, int index)
        => utf8[index] == (byte)'\r' && index + 1 < utf8.Length && utf8[index + 1] == (byte)'\n' ? index + 2 : index + 1;

    /// <summary>Tells whether the value after a property name at <paramref name="index"/> is <c>[]</c>.</summary>
    private static bool IsEmptyArray(ReadOnlySpan<byte> utf8, int index)
    {
        if (ValueStart(utf8, index) is not { } value || utf8[value] != (byte)'[')
        {
            return false;
        }

        var rest = utf8[(value + 1)..].TrimStart(" \t"u8);
        return !rest.IsEmpty && rest[0] == (byte)']';
    }

    /// <summary>Skips the colon after a property name and the white space around it; null when no value follows.</summary>
    private static int? ValueStart(ReadOnlySpan<byte> utf8, int index)
    {
        var sawColon = false;
        for (; index < utf8.Length; index++)
        {
            switch (utf8[index])
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    continue;
                case (byte)':' when !sawColon:
                    sawColon = true;
                    continue;
                default:
                    return sawColon ? index : null;
            }
        }

        return null;
    }
}
