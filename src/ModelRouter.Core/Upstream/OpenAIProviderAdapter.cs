using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream;

/// <summary>
/// <c>openai</c>: any OpenAI-compatible API. <c>POST {baseUrl}/chat/completions</c> with <c>Authorization: Bearer</c>;
/// the body passes through with only <c>model</c> rewritten, and the answer passes back untouched.
/// </summary>
public sealed class OpenAIProviderAdapter : IProviderAdapter
{
    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.OpenAI;

    /// <inheritdoc/>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(llm.BaseUri, "chat/completions"))
        {
            Content = context.Request.CreateContent(context.TargetModelJson),
        };
        request.Headers.Accept.Add(context.Request.Stream ? s_acceptEventStream : s_acceptJson);
        if (!string.IsNullOrEmpty(llm.Config.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", llm.Config.ApiKey);
        }

        UpstreamHttp.AddConfiguredHeaders(request, llm.Config);
        return request;
    }

    /// <inheritdoc/>
    public async ValueTask<ReadOnlyMemory<byte>> ReadResponseAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, context.MaxResponseBodyBytes, cancellationToken).ConfigureAwait(false);
        if (!UpstreamHttp.IsJsonObject(body.Span))
        {
            throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a JSON object.");
        }

        return body;
    }

    /// <inheritdoc/>
    public ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new PassThroughEventStream(response);
    }

    /// <inheritdoc/>
    public async ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        return UpstreamHttp.ParseOpenAIError(body.Span, (int)response.StatusCode);
    }

    /// <summary>Copies the vendor's SSE bytes as they arrive; a stream that ends without <c>[DONE]</c> was cut.</summary>
    private sealed class PassThroughEventStream(HttpResponseMessage response) : ChatEventReader
    {
        private Stream? _body;
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        private readonly byte[] _tail = new byte[5];
        private bool _sawDone;
        private int _tailLength;

        private static ReadOnlySpan<byte> Done => "[DONE]"u8;

        public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PassThroughEventStream));
            _body ??= await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (!_sawDone)
                {
                    throw new InvalidUpstreamResponseException("The vendor ended the stream before its final [DONE] event.");
                }

                return ReadOnlyMemory<byte>.Empty;
            }

            // "[DONE]" may straddle two reads: look at the tail of the previous read too.
            var chunk = buffer.AsSpan(0, read);
            if (!_sawDone)
            {
                _sawDone = chunk.IndexOf(Done) >= 0 || StraddlesDone(chunk);
                RememberTail(chunk);
            }

            return buffer.AsMemory(0, read);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_body is not null)
            {
                await _body.DisposeAsync().ConfigureAwait(false);
            }

            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }

        private bool StraddlesDone(ReadOnlySpan<byte> chunk)
        {
            Span<byte> joined = stackalloc byte[(2 * Done.Length) - 2];
            _tail.AsSpan(0, _tailLength).CopyTo(joined);
            var head = chunk[..Math.Min(chunk.Length, Done.Length - 1)];
            head.CopyTo(joined[_tailLength..]);
            return joined[..(_tailLength + head.Length)].IndexOf(Done) >= 0;
        }

        private void RememberTail(ReadOnlySpan<byte> chunk)
        {
            var keep = Done.Length - 1;
            if (chunk.Length >= keep)
            {
                chunk[^keep..].CopyTo(_tail);
                _tailLength = keep;
                return;
            }

            var joined = _tail.AsSpan(0, _tailLength).ToArray().Concat(chunk.ToArray()).TakeLast(keep).ToArray();
            joined.CopyTo(_tail, 0);
            _tailLength = joined.Length;
        }
    }
}
