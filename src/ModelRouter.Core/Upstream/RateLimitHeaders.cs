using ModelRouter.Model;

namespace ModelRouter.Upstream;

/// <summary>
/// The only vendor response headers a client sees: the vendor's rate-limit headers (<c>x-ratelimit-*</c>,
/// <c>anthropic-ratelimit-*</c>, <c>retry-after</c>, <c>retry-after-ms</c>). Everything else a vendor sends (cookies,
/// hop-by-hop headers, <c>server</c>, its organisation or internal headers) stays with the router.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>The most headers passed on from one answer.</summary>
    public const int MaxCount = 32;

    /// <summary>The longest value passed on; rate-limit values are numbers, durations and dates.</summary>
    public const int MaxValueLength = 256;

    /// <summary>Picks the rate-limit headers of a vendor's answer, or <see langword="null"/> when it has none.</summary>
    /// <remarks>
    /// A value that is not short printable ASCII, or that holds one of the LLM's secrets, is dropped: a client never sees
    /// a key a vendor echoes, and the server never meets a value it cannot write.
    /// </remarks>
    public static List<KeyValuePair<string, string>>? Select(HttpResponseMessage response, SecretScrubber secrets)
    {
        List<KeyValuePair<string, string>>? picked = null;
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            if (!IsRateLimitHeader(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (IsPassable(value) && (secrets.IsEmpty || ReferenceEquals(secrets.Scrub(value), value)))
                {
                    picked ??= [];
                    picked.Add(new(name, value));
                    if (picked.Count == MaxCount)
                    {
                        return picked;
                    }
                }
            }
        }

        return picked;
    }

    /// <summary>Tells whether a vendor header is one the client may see.</summary>
    public static bool IsRateLimitHeader(string name)
        => name.StartsWith("x-ratelimit-", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("anthropic-ratelimit-", StringComparison.OrdinalIgnoreCase)
            || name.Equals("retry-after", StringComparison.OrdinalIgnoreCase)
            || name.Equals("retry-after-ms", StringComparison.OrdinalIgnoreCase);

    private static bool IsPassable(string value)
    {
        if (value.Length is 0 or > MaxValueLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not (>= ' ' and <= '~'))
            {
                return false;
            }
        }

        return true;
    }
}
