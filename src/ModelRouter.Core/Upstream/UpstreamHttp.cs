using System.Buffers;
using ModelRouter.Model;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream;

/// <summary>Helpers every provider adapter shares: bounded body reads, header plumbing, error summaries.</summary>
public static class UpstreamHttp
{
    private const int MaxMessageLength = 1000;

    /// <summary>The longest type, param or code passed on from a vendor's error.</summary>
    private const int MaxFieldLength = 200;

    /// <summary>The longest wait <see cref="GetRetryAfter"/> reports: one day.</summary>
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>Adds the LLM's configured extra headers to a request.</summary>
    public static void AddConfiguredHeaders(HttpRequestMessage request, LlmConfig llm)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(llm);
        // Indexed, not foreach: enumerating an IReadOnlyList boxes an enumerator on every request.
        var headers = llm.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            request.Headers.Remove(header.Name);
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
    }

    /// <summary>Reads a response body up to <paramref name="maxBytes"/>, into a buffer rented from a shared pool.</summary>
    /// <param name="response">The response.</param>
    /// <param name="maxBytes">The most bytes read.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <param name="truncate">When <see langword="true"/>, a longer body is cut at the limit instead of failing.</param>
    /// <returns>
    /// The body. Pass it (or any slice of it) to <see cref="ReleaseBody"/> once done with it; the router does so for the
    /// content an adapter's <see cref="IProviderAdapter.ReadResponseAsync"/> returns, when the answer is disposed. A body
    /// never released is simply collected.
    /// </returns>
    /// <exception cref="InvalidUpstreamResponseException">The body is longer than <paramref name="maxBytes"/> and <paramref name="truncate"/> is <see langword="false"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadOnlyMemory<byte>> ReadBodyAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken, bool truncate = false)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var declared = response.Content.Headers.ContentLength;
        if (declared > maxBytes && !truncate)
        {
            throw TooLarge(maxBytes);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // One byte more than declared: the read that returns 0 then needs no larger buffer. Growing rents the next
            // size and returns the last, so a body that comes without a length leaves no arrays behind for the GC.
            var buffer = ArrayPool<byte>.Shared.Rent(declared is >= 0 and < int.MaxValue ? (int)Math.Min(declared.Value + 1, maxBytes) : Math.Min(8192, maxBytes));
            try
            {
                var length = 0;
                while (true)
                {
                    // The pool may hand out a larger array than asked for; the limit still holds.
                    var capacity = Math.Min(buffer.Length, maxBytes);
                    if (length == capacity)
                    {
                        if (length >= maxBytes)
                        {
                            if (truncate)
                            {
                                return new PooledBody(buffer, length).Memory;
                            }

                            // One more byte tells a body of exactly the limit from a longer one.
                            var probe = buffer.Length > length ? buffer.AsMemory(length, 1) : new byte[1];
                            if (await stream.ReadAsync(probe, cancellationToken).ConfigureAwait(false) == 0)
                            {
                                return new PooledBody(buffer, length).Memory;
                            }

                            throw TooLarge(maxBytes);
                        }

                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                        continue;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length, capacity - length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return new PooledBody(buffer, length).Memory;
                    }

                    length += read;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
    }

    /// <summary>Returns a body read by <see cref="ReadBodyAsync"/> to the pool; does nothing for any other memory, or a second time.</summary>
    /// <remarks>The body, and every slice of it, must not be used afterwards: reading it then throws <see cref="ObjectDisposedException"/>.</remarks>
    public static void ReleaseBody(ReadOnlyMemory<byte> body)
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, PooledBody>(body, out var pooled))
        {
            ((IDisposable)pooled).Dispose();
        }
    }

    /// <summary>Tells whether <paramref name="utf8Json"/> is one well-formed JSON object.</summary>
    public static bool IsJsonObject(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Summarises an OpenAI-shaped error body: its message, type, param and code, or a generic message when it has none.
    /// Every field has <paramref name="llm"/>'s secrets masked (see <see cref="LlmSnapshot.ScrubSecrets"/>) before it is
    /// cut to its length limit, so a vendor that quotes the request's credentials back never passes them on.
    /// </summary>
    /// <param name="body">The error body.</param>
    /// <param name="statusCode">The response status.</param>
    /// <param name="llm">The LLM that answered.</param>
    public static UpstreamErrorInfo ParseOpenAIError(ReadOnlySpan<byte> body, int statusCode, LlmSnapshot llm)
    {
        ArgumentNullException.ThrowIfNull(llm);
        var secrets = llm.Secrets;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object)
                {
                    return new UpstreamErrorInfo(
                        VendorText(GetString(error, "message"), secrets) ?? GenericMessage(statusCode),
                        VendorField(GetString(error, "type"), secrets) ?? DefaultType(statusCode),
                        VendorField(GetString(error, "param"), secrets),
                        VendorField(GetString(error, "code"), secrets));
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return new UpstreamErrorInfo(VendorText(error.GetString(), secrets) ?? GenericMessage(statusCode), DefaultType(statusCode), null, null);
                }
            }
        }
        catch (JsonException)
        {
        }

        return new UpstreamErrorInfo(GenericMessage(statusCode), DefaultType(statusCode), null, null);
    }

    /// <summary>
    /// Tells whether a response's body is encoded (a <c>Content-Encoding</c> other than <c>identity</c>). The router never
    /// asks for compression, so such a body is not one it can read; a handler that decompresses removes the header.
    /// </summary>
    public static bool HasContentEncoding(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        // Non-validated: no header collection is built for the common answer that has no such header.
        if (!response.Content.Headers.NonValidated.TryGetValues("Content-Encoding", out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            var codings = value.AsSpan();
            foreach (var range in codings.Split(','))
            {
                var coding = codings[range].Trim();
                if (!coding.IsEmpty && !coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Reads how long a vendor asked to wait: <c>retry-after-ms</c>, then <c>Retry-After</c> in seconds or as an HTTP date.</summary>
    /// <returns>The delay, or <see langword="null"/> when the response gives none.</returns>
    public static TimeSpan? GetRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Headers.TryGetValues("retry-after-ms", out var msValues)
            && double.TryParse(msValues.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && double.IsFinite(ms) && ms >= 0)
        {
            // Whatever a vendor sends, the wait stays representable; callers cap it further.
            return TimeSpan.FromMilliseconds(Math.Min(ms, MaxRetryAfter.TotalMilliseconds));
        }

        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta > MaxRetryAfter ? MaxRetryAfter : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
        }

        return null;
    }

    /// <summary>The OpenAI error type for a status code.</summary>
    public static string DefaultType(int statusCode) => statusCode switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "upstream_error",
        _ => "invalid_request_error",
    };

    private static InvalidUpstreamResponseException TooLarge(int maxBytes)
        => new($"The vendor's response is larger than the {maxBytes} byte limit.");

    private static string GenericMessage(int statusCode) => $"The vendor rejected the request with status {statusCode}.";

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    /// <summary>A vendor's message as a client may see it: secrets masked first, then cut to <see cref="MaxMessageLength"/>.</summary>
    internal static string? VendorText(string? text, SecretScrubber secrets) => Truncate(secrets.Scrub(text), MaxMessageLength);

    /// <summary>A vendor's short field (type, param, code) as a client may see it: secrets masked first, then cut to <see cref="MaxFieldLength"/>.</summary>
    internal static string? VendorField(string? text, SecretScrubber secrets) => Truncate(secrets.Scrub(text), MaxFieldLength);

    private static string? Truncate(string? text, int maxLength)
        => text is not null && text.Length > maxLength ? string.Concat(text.AsSpan(0, maxLength), "…") : text;
}
