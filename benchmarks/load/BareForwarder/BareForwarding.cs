using System.Buffers;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.Benchmarks.Load;

/// <summary>
/// The baseline a router must match: reads the body once into a pooled buffer, forwards it with one shared
/// <see cref="HttpClient"/>, and copies the answer back (flushing each chunk of a stream). No parsing, no routing.
/// </summary>
/// <remarks>Shared by the load test's <c>BareForwarder</c> host and the in-process <c>EndpointBenchmarks</c>.</remarks>
public static class BareForwarding
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    /// <summary>Forwards the request in <paramref name="context"/> to <paramref name="upstream"/>.</summary>
    public static async Task ForwardAsync(HttpContext context, HttpClient client, Uri upstream)
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        var body = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and < 1 << 22 ? (int)request.ContentLength.Value : 16 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == body.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(body.Length * 2);
                    body.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                }

                var read = await request.Body.ReadAsync(body.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            using var message = new HttpRequestMessage(HttpMethod.Post, upstream)
            {
                Content = new ReadOnlyMemoryContent(body.AsMemory(0, length)) { Headers = { ContentType = s_json } },
            };
            using var answer = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            response.ContentType = answer.Content.Headers.ContentType?.ToString();
            response.ContentLength = answer.Content.Headers.ContentLength;
            var streaming = string.Equals(answer.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
            await using var source = await answer.Content.ReadAsStreamAsync(cancellationToken);
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    await response.Body.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                    if (streaming)
                    {
                        await response.Body.FlushAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
