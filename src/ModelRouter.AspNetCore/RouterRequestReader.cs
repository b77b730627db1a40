using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using ModelRouter.Routing;

namespace ModelRouter.AspNetCore;

/// <summary>Reads what a router request carries over HTTP: the app key, the deadline header and the body, within its limit.</summary>
internal static class RouterRequestReader
{
    /// <summary>
    /// Reads the app key: from <c>Authorization: Bearer</c>, or on the Messages door also from <c>x-api-key</c> (where the
    /// Anthropic SDKs put the key); <see langword="null"/> when none was sent.
    /// </summary>
    public static string? ReadAppKey(HttpRequest request, ModelRouterOperation operation)
        => ReadBearer(request) ?? (operation == ModelRouterOperation.Messages ? HeaderOrNull(request, "x-api-key")?.Trim() : null);

    public static string? HeaderOrNull(HttpRequest request, string name)
        => request.Headers.TryGetValue(name, out var value) && !StringValues.IsNullOrEmpty(value) ? value.ToString() : null;

    /// <summary>Reads the app key from <c>Authorization: Bearer</c>, or <see langword="null"/>.</summary>
    public static string? ReadBearer(HttpRequest request)
    {
        var value = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? value[scheme.Length..].Trim() : null;
    }

    /// <summary>Reads <c>x-model-router-timeout-ms</c>: a whole number of milliseconds from 1 up to a day, else a 400.</summary>
    public static TimeSpan? ReadTimeout(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(ModelRouterHeaders.Timeout, out var values))
        {
            return null;
        }

        const long MaxMilliseconds = 86_400_000;
        if (values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds is > 0 and <= MaxMilliseconds)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        throw new ModelRouterException(ModelRouterErrorKind.InvalidRequest, $"The {ModelRouterHeaders.Timeout} header must be one whole number of milliseconds from 1 to {MaxMilliseconds}.")
        {
            Param = ModelRouterHeaders.Timeout,
        };
    }

    /// <summary>Reads the body once into a pooled buffer, refusing more than <paramref name="limit"/> bytes.</summary>
    /// <remarks>A <see cref="ValueTask{TResult}"/> from a pooled builder: a small body usually arrives with the headers, and then nothing is allocated.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > limit)
        {
            throw TooLarge(limit);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        throw TooLarge(limit);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    throw TooLarge(limit);
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static ModelRouterException TooLarge(int limit)
        => new(ModelRouterErrorKind.RequestTooLarge, $"The request body is larger than the {limit} byte limit.");

    /// <summary>The error for a body the server refused while it was read (size, pace, framing).</summary>
    public static ModelRouterException BodyRefused(int status)
        => status == StatusCodes.Status413PayloadTooLarge
            ? new(ModelRouterErrorKind.RequestTooLarge, RequestBodyRefusal.MessageFor(status))
            : new(ModelRouterErrorKind.InvalidRequest, RequestBodyRefusal.MessageFor(status))
            {
                StatusCode = status,
                ErrorCode = status == StatusCodes.Status408RequestTimeout ? "request_timeout" : null,
            };
}
