using System.Buffers;

// A near-zero-cost OpenAI-compatible vendor for load tests: drains the body, answers a fixed completion, or a short
// fixed stream (five events, each flushed) when the body asks for "stream": true. Loopback only.
// --EventGapMs N waits N ms between events, as a model generating tokens does, so that every hop reads each event on
// its own; without it the five events leave back to back and a hop may find several already received.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var eventGap = TimeSpan.FromMilliseconds(double.Parse(builder.Configuration["EventGapMs"] ?? "0", System.Globalization.CultureInfo.InvariantCulture));
var app = builder.Build();

var completion = """{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}"""u8.ToArray();
byte[][] events =
[
    .. new[] { "Hello", "! How can", " I help", " you today?" }.Select(word =>
        System.Text.Encoding.UTF8.GetBytes($$"""data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"{{word}}"},"finish_reason":null}]}""" + "\n\n")),
    "data: [DONE]\n\n"u8.ToArray(),
];

app.MapPost("/v1/chat/completions", async (HttpContext context) =>
{
    var request = context.Request;
    var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength.Value : 16 * 1024);
    var length = 0;
    int read;
    while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
    {
        length += read;
    }

    var stream = buffer.AsSpan(0, length).IndexOf("\"stream\":true"u8) >= 0;
    ArrayPool<byte>.Shared.Return(buffer);
    var response = context.Response;
    if (!stream)
    {
        response.ContentType = "application/json";
        response.ContentLength = completion.Length;
        await response.Body.WriteAsync(completion, context.RequestAborted);
        return;
    }

    response.ContentType = "text/event-stream";
    response.Headers.CacheControl = "no-cache";
    for (var i = 0; i < events.Length; i++)
    {
        if (i > 0 && eventGap > TimeSpan.Zero)
        {
            await Task.Delay(eventGap, context.RequestAborted);
        }

        await response.Body.WriteAsync(events[i], context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);
    }
});

app.Run();
