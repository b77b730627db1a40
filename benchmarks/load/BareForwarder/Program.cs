using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

// The baseline a router must match: a minimal API that reads the body once into a pooled buffer, forwards it with
// one shared HttpClient, and copies the answer back (flushing each chunk of a stream). No parsing, no routing.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var upstream = new Uri(builder.Configuration["Upstream"] ?? "http://127.0.0.1:18101/v1/chat/completions", UriKind.Absolute);
var app = builder.Build();

using var client = new HttpClient(new SocketsHttpHandler
{
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
})
{
    Timeout = Timeout.InfiniteTimeSpan,
};
var json = new MediaTypeHeaderValue("application/json");

app.MapPost("/v1/chat/completions", async (HttpContext context) =>
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
            Content = new ReadOnlyMemoryContent(body.AsMemory(0, length)) { Headers = { ContentType = json } },
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
});

app.Run();
