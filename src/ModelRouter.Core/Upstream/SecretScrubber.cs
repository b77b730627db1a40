using ModelRouter.Configuration;

namespace ModelRouter.Upstream;

/// <summary>
/// Masks an LLM's own secrets (its API key and the values of its configured headers) in text its vendor wrote, before
/// that text reaches a client, an exception or a log: a vendor that quotes the request's credentials back in an error
/// message must not hand the router's key to the caller. Error paths only; immutable and thread-safe.
/// </summary>
/// <remarks>
/// A secret is masked wherever it appears, and so is any run of at least <see cref="MinPrefixLength"/> of its leading
/// characters, so a key the vendor quotes cut short (<c>sk-proj-abcdefgh...</c>) is masked too. A header value of the
/// form <c>scheme token</c> (<c>Bearer sk-...</c>) counts as two secrets, the whole value and its last token. Values
/// shorter than <see cref="MinSecretLength"/> characters are not treated as secrets: too short to protect anything, and
/// short enough to be ordinary words of a message (a header such as <c>X-Feature: beta</c>).
/// </remarks>
internal sealed class SecretScrubber
{
    /// <summary>What a secret is replaced with; the same mask the admin API shows for write-only values.</summary>
    public const string Mask = "********";

    /// <summary>The shortest value treated as a secret.</summary>
    public const int MinSecretLength = 8;

    /// <summary>The fewest leading characters of a secret that are masked on their own.</summary>
    public const int MinPrefixLength = 16;

    private readonly string[] _secrets;

    private SecretScrubber(string[] secrets) => _secrets = secrets;

    /// <summary>Gets a scrubber that masks nothing.</summary>
    public static SecretScrubber None { get; } = new([]);

    /// <summary>Creates the scrubber for an LLM: its key and its configured header values.</summary>
    public static SecretScrubber For(LlmConfig llm)
    {
        ArgumentNullException.ThrowIfNull(llm);
        var secrets = new List<string>();
        Add(secrets, llm.ApiKey);
        foreach (var header in llm.Headers)
        {
            var value = header.Value?.Trim();
            Add(secrets, value);
            var lastSpace = value?.LastIndexOfAny([' ', '\t']) ?? -1;
            if (lastSpace >= 0)
            {
                Add(secrets, value![(lastSpace + 1)..]);
            }
        }

        return secrets.Count == 0 ? None : new SecretScrubber([.. secrets]);
    }

    /// <summary>Returns <paramref name="text"/> with every secret (and every long enough start of one) replaced by <see cref="Mask"/>.</summary>
    /// <returns>The same instance when there is nothing to mask.</returns>
    public string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text) || _secrets.Length == 0)
        {
            return text;
        }

        List<(int Start, int End)>? hits = null;
        foreach (var secret in _secrets)
        {
            var anchor = secret.AsSpan(0, Math.Min(secret.Length, MinPrefixLength));
            var from = 0;
            while (from <= text.Length - anchor.Length)
            {
                var found = text.AsSpan(from).IndexOf(anchor, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                // Extend the match over as much more of the secret as the text repeats.
                var start = from + found;
                var end = start + anchor.Length;
                while (end < text.Length && end - start < secret.Length && text[end] == secret[end - start])
                {
                    end++;
                }

                (hits ??= []).Add((start, end));
                from = end;
            }
        }

        if (hits is null)
        {
            return text;
        }

        // Secrets may overlap (a header value that holds the key): mask the union of the matches, once each.
        hits.Sort();
        var result = new System.Text.StringBuilder(text.Length);
        var copied = 0;
        var i = 0;
        while (i < hits.Count)
        {
            var (start, end) = hits[i++];
            while (i < hits.Count && hits[i].Start <= end)
            {
                end = Math.Max(end, hits[i++].End);
            }

            result.Append(text, copied, start - copied).Append(Mask);
            copied = end;
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Masks the vendor's words in each field of an error summary.</summary>
    public UpstreamErrorInfo Scrub(UpstreamErrorInfo error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (_secrets.Length == 0)
        {
            return error;
        }

        return new UpstreamErrorInfo(Scrub(error.Message)!, Scrub(error.Type)!, Scrub(error.Param), Scrub(error.Code));
    }

    private static void Add(List<string> secrets, string? value)
    {
        if (value is { Length: >= MinSecretLength } && !secrets.Contains(value, StringComparer.Ordinal))
        {
            secrets.Add(value);
        }
    }
}
