using System.Text.Json;

namespace ModelRouter.Diagnostics;

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
