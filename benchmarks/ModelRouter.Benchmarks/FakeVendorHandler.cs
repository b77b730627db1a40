using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The load test's fake vendor in process: reads the request body; answers a fixed completion, or for <c>"stream":true</c>
/// five events (four chunks and <c>[DONE]</c>), one per read. With <c>yields</c>, the answer and every read complete
/// asynchronously (after a <see cref="Task.Yield"/>), as a socket's do when the data has not arrived yet.
/// </summary>
internal sealed class FakeVendorHandler(bool yields) : HttpMessageHandler
{
    private static readonly byte[] s_completion = Encoding.UTF8.GetBytes(
        "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello! How can I help you today?\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":9,\"total_tokens\":21}}");

    private static readonly byte[][] s_events =
    [
        .. new[] { "Hello", "! How can", " I help", " you today?" }.Select(word => Encoding.UTF8.GetBytes(
            "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"},\"finish_reason\":null}]}\n\n")),
        Encoding.UTF8.GetBytes("data: [DONE]\n\n"),
    ];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (yields)
        {
            await Task.Yield();
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        HttpContent content;
        if (body.AsSpan().IndexOf("\"stream\":true"u8) >= 0)
        {
            content = new StreamContent(new EventStream(yields));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        }
        else
        {
            content = new ByteArrayContent(s_completion);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }

    /// <summary>Returns one event per read, then the end.</summary>
    private sealed class EventStream(bool yields) : Stream
    {
        private int _next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (yields)
            {
                await Task.Yield();
            }

            return Read(buffer.Span);
        }

        public override int Read(Span<byte> buffer)
        {
            if (_next == s_events.Length)
            {
                return 0;
            }

            var item = s_events[_next++];
            item.CopyTo(buffer);
            return item.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
