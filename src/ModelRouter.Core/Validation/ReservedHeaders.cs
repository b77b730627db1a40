using System.Collections.Frozen;

namespace ModelRouter.Validation;

/// <summary>
/// The request headers an LLM's <c>headers</c> may not set: the router, its provider adapters or its HTTP client set
/// them, and a configured one would replace or contradict theirs (a key sent elsewhere, a forged Host, a broken body).
/// </summary>
internal static class ReservedHeaders
{
    private const string FromApiKey = " from apiKey, in the header its provider expects; use apiKey for the key";
    private const string ByHttpClient = "'s HTTP client for every message and connection";

    private static readonly FrozenDictionary<string, string> s_reasons = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // Credentials: the key belongs in apiKey, which is write-only and never leaves its origin unless sent again.
        ["Authorization"] = FromApiKey,
        ["api-key"] = FromApiKey,
        ["x-api-key"] = FromApiKey,
        ["x-goog-api-key"] = FromApiKey,
        ["Proxy-Authorization"] = "'s HTTP client for its proxy; configure the proxy on the 'ModelRouter' HTTP client",

        // Set by the provider adapters.
        ["anthropic-version"] = " from apiVersion; use apiVersion",
        ["X-Amz-Date"] = " when it signs a Bedrock request",
        ["X-Amz-Security-Token"] = " from AWS_SESSION_TOKEN when it signs a Bedrock request",
        ["X-Amz-Content-Sha256"] = " when it signs a Bedrock request",
        ["Accept"] = " to match the request (JSON, or an event stream when it streams)",
        ["Accept-Encoding"] = ", which reads answers uncompressed",

        // Message framing and connection management (Content-* headers are refused by prefix).
        ["Host"] = " from baseUrl; put the host in baseUrl",
        ["Transfer-Encoding"] = ByHttpClient,
        ["Connection"] = ByHttpClient,
        ["Keep-Alive"] = ByHttpClient,
        ["Proxy-Connection"] = ByHttpClient,
        ["Upgrade"] = ByHttpClient,
        ["TE"] = ByHttpClient,
        ["Trailer"] = ByHttpClient,
        ["Expect"] = ByHttpClient,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns how the router sets <paramref name="name"/> (to finish "is set by the router"), or <see langword="null"/> when configuration may set it.</summary>
    public static string? Reason(string name)
        => s_reasons.TryGetValue(name, out var reason) ? reason
            : name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? " with the body it sends"
            : null;
}
