using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>
/// Masks an LLM's own secrets (its API key and the values of its configured headers) in text its vendor wrote, before
/// that text reaches a client, an exception or a log: a vendor that quotes the request's credentials back in an error
/// message must not hand the router's key to the caller. Error texts are scrubbed as strings; successful answers have the
/// secrets overwritten in their UTF-8 bytes, in place (<see cref="MaskUtf8"/>, <see cref="ModelRouter.Upstream.SecretStreamMask"/>). Immutable
/// and thread-safe.
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

    // The secrets as UTF-8, longest first (a secret inside a longer one is masked with it), and for each the length of
    // the longest proper prefix of its first i + 1 bytes that is also a suffix of them (to follow a secret across chunks).
    private readonly byte[][] _utf8;
    private readonly int[][] _borders;

    private SecretScrubber(string[] secrets)
    {
        _secrets = secrets;
        _utf8 = [.. secrets.Select(System.Text.Encoding.UTF8.GetBytes).OrderByDescending(s => s.Length)];
        _borders = [.. _utf8.Select(Borders)];
    }

    /// <summary>Gets a value indicating whether there is anything to mask.</summary>
    public bool IsEmpty => _utf8.Length == 0;

    /// <summary>Gets the number of secrets.</summary>
    public int Count => _utf8.Length;

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

    /// <summary>
    /// Overwrites, in place, every byte of each secret (and of each long enough start of one, as <see cref="Scrub(string?)"/>
    /// finds them) in a whole UTF-8 body with <c>*</c>: the length stays the same.
    /// </summary>
    public void MaskUtf8(Span<byte> utf8)
    {
        foreach (var secret in _utf8)
        {
            MaskWithin(utf8, secret);
        }
    }

    /// <summary>Masks one chunk of a stream in place; <paramref name="carried"/> is the stream's state, one entry per secret.</summary>
    /// <remarks>See <see cref="ModelRouter.Upstream.SecretStreamMask"/> for what is guaranteed across chunk boundaries.</remarks>
    internal void MaskChunk(Span<byte> chunk, int[] carried)
    {
        // First follow every secret that the previous chunk ended inside, and note which ones this chunk ends inside,
        // on bytes no other secret has masked yet; then mask what lies wholly in this chunk.
        for (var n = 0; n < _utf8.Length; n++)
        {
            carried[n] = Follow(chunk, _utf8[n], _borders[n], carried[n]);
        }

        for (var n = 0; n < _utf8.Length; n++)
        {
            MaskWithin(chunk, _utf8[n]);
            if (carried[n] >= MinSecretLength)
            {
                // The chunk ends with 8 or more leading bytes of a secret; the rest may follow in the next chunk, which
                // is not waited for: mask them now.
                chunk[^Math.Min(carried[n], chunk.Length)..].Fill((byte)'*');
            }
        }
    }

    /// <summary>Masks every occurrence of <paramref name="secret"/> (or of its first <see cref="MinPrefixLength"/> bytes and as much more as follows).</summary>
    private static void MaskWithin(Span<byte> text, ReadOnlySpan<byte> secret)
    {
        var anchor = secret[..Math.Min(secret.Length, MinPrefixLength)];
        var from = 0;
        while (true)
        {
            var found = text[from..].IndexOf(anchor);
            if (found < 0)
            {
                return;
            }

            var start = from + found;
            var end = start + anchor.Length;
            while (end < text.Length && end - start < secret.Length && text[end] == secret[end - start])
            {
                end++;
            }

            text[start..end].Fill((byte)'*');
            from = end;
        }
    }

    /// <summary>
    /// Follows an occurrence of <paramref name="secret"/> that began in an earlier chunk (the stream so far ends with its
    /// first <paramref name="carried"/> bytes) into <paramref name="chunk"/>, masking its bytes there once 8 or more of the
    /// secret's bytes are in, and all of them when it completes.
    /// </summary>
    /// <returns>How many leading bytes of the secret the stream ends with after <paramref name="chunk"/>; 0 for none.</returns>
    private static int Follow(Span<byte> chunk, ReadOnlySpan<byte> secret, int[] borders, int carried)
    {
        var q = carried;
        var i = 0;

        // A match in progress began before this chunk while it is longer than the bytes read from the chunk; once it is
        // not, what is left lies in this chunk and MaskWithin and the tail check below find it.
        while (q > i && i < chunk.Length)
        {
            var b = chunk[i];
            while (q > 0 && secret[q] != b)
            {
                q = borders[q - 1];
            }

            if (secret[q] == b)
            {
                q++;
            }

            i++;
            if (q == secret.Length)
            {
                chunk[..i].Fill((byte)'*');
                q = borders[q - 1];
            }
            else if (q >= MinSecretLength && q > i)
            {
                chunk[i - 1] = (byte)'*';
            }
        }

        if (q > i)
        {
            // The whole chunk continues a secret begun earlier.
            return q;
        }

        // Does the chunk end with the start of a secret? Only its last (length - 1) bytes can, and only from a byte equal
        // to the secret's first one: a vectorized search for that byte keeps the usual answer (no) cheap.
        var tail = chunk[^Math.Min(chunk.Length, secret.Length - 1)..];
        var from = 0;
        while (true)
        {
            var found = tail[from..].IndexOf(secret[0]);
            if (found < 0)
            {
                return 0;
            }

            from += found;
            if (tail[from..].SequenceEqual(secret[..(tail.Length - from)]))
            {
                return tail.Length - from;
            }

            from++;
        }
    }

    /// <summary>The border table of the Knuth-Morris-Pratt search: for each prefix, its longest proper prefix that is also a suffix.</summary>
    private static int[] Borders(byte[] secret)
    {
        var borders = new int[secret.Length];
        var k = 0;
        for (var i = 1; i < secret.Length; i++)
        {
            while (k > 0 && secret[i] != secret[k])
            {
                k = borders[k - 1];
            }

            if (secret[i] == secret[k])
            {
                k++;
            }

            borders[i] = k;
        }

        return borders;
    }

    private static void Add(List<string> secrets, string? value)
    {
        if (value is { Length: >= MinSecretLength } && !secrets.Contains(value, StringComparer.Ordinal))
        {
            secrets.Add(value);
        }
    }
}
