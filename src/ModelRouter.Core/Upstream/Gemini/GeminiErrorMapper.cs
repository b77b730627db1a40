using System.Globalization;
using System.Text.Json;
using ModelRouter.Model;

namespace ModelRouter.Upstream.Gemini;

/// <summary>
/// Reads Google's error envelope, <c>{"error":{"code","message","status","details"}}</c>: what an OpenAI client may see of
/// it, and the wait a <c>google.rpc.RetryInfo</c> detail asks for.
/// </summary>
internal static class GeminiErrorMapper
{
    /// <summary>The longest wait <see cref="TryReadRetryDelay"/> reports: one day.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(1);

    /// <summary>Summarises a Google error body; falls back to the OpenAI shape, then to a generic message.</summary>
    /// <remarks>The LLM's secrets are masked in the vendor's words before they are cut to length.</remarks>
    public static UpstreamErrorInfo Map(ReadOnlySpan<byte> body, int statusCode, LlmSnapshot llm)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String)
            {
                var secrets = llm.Secrets;
                var googleStatus = status.GetString();
                return new UpstreamErrorInfo(
                    UpstreamHttp.VendorText(ChatTranslation.GetString(error, "message"), secrets) ?? $"The vendor rejected the request with status {statusCode}.",
                    MapType(googleStatus, statusCode),
                    null,
                    UpstreamHttp.VendorField(googleStatus, secrets));
            }
        }
        catch (JsonException)
        {
        }

        return UpstreamHttp.ParseOpenAIError(body, statusCode, llm);
    }

    /// <summary>The OpenAI error type of a Google canonical status.</summary>
    public static string MapType(string? status, int statusCode) => status switch
    {
        "INVALID_ARGUMENT" or "FAILED_PRECONDITION" or "OUT_OF_RANGE" => "invalid_request_error",
        "UNAUTHENTICATED" => "authentication_error",
        "PERMISSION_DENIED" => "permission_error",
        "NOT_FOUND" => "not_found_error",
        "RESOURCE_EXHAUSTED" => "rate_limit_error",
        "INTERNAL" or "UNAVAILABLE" or "DEADLINE_EXCEEDED" or "UNKNOWN" => "server_error",
        _ => UpstreamHttp.DefaultType(statusCode),
    };

    /// <summary>
    /// Reads the <c>retryDelay</c> of a <c>type.googleapis.com/google.rpc.RetryInfo</c> entry in <c>error.details</c>: a
    /// protobuf Duration in JSON, seconds with up to nine decimals and an <c>s</c> (<c>"46s"</c>, <c>"0.5s"</c>).
    /// </summary>
    /// <returns><see langword="false"/> when the body holds no such entry, or one that is not a valid non-negative duration.</returns>
    public static bool TryReadRetryDelay(ReadOnlySpan<byte> body, out TimeSpan delay)
    {
        delay = default;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object
                || !error.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var detail in details.EnumerateArray())
            {
                if (ChatTranslation.GetString(detail, "@type") is { } type && type.EndsWith("/google.rpc.RetryInfo", StringComparison.Ordinal)
                    && ChatTranslation.GetString(detail, "retryDelay") is { } text && TryParseDuration(text, out delay))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    private static bool TryParseDuration(string text, out TimeSpan delay)
    {
        delay = default;
        if (!text.EndsWith('s')
            || !decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        delay = seconds >= (decimal)MaxRetryDelay.TotalSeconds ? MaxRetryDelay : TimeSpan.FromSeconds((double)seconds);
        return true;
    }
}
