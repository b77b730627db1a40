using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
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
        var request = new HttpRequestMessage(HttpMethod.Post, llm.Resolve("chat/completions"))
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
        return UpstreamHttp.ParseOpenAIError(body.Span, (int)response.StatusCode, context.Llm);
    }

    /// <summary>
    /// Copies the vendor's SSE bytes as they arrive. A stream is complete only after a <c>data: [DONE]</c> line: the
    /// text <c>[DONE]</c> inside a content delta does not count (a JSON string cannot hold a raw line break).
    /// </summary>
    private sealed class PassThroughEventStream(HttpResponseMessage response) : ChatEventReader
    {
        private Stream? _body;
        // 4 KiB: SocketsHttpHandler's connection buffer starts at that size, so a larger one rarely fills, while under
        // hundreds of concurrent streams the shared pool runs dry and each stream allocates its buffer anew.
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(4 * 1024);
        private DoneLineDetector _done;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PassThroughEventStream));
            _body ??= await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (!_done.SawDone)
                {
                    throw new InvalidUpstreamResponseException("The vendor ended the stream before its final [DONE] event.");
                }

                return ReadOnlyMemory<byte>.Empty;
            }

            _done.Scan(buffer.AsSpan(0, read));
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
    }
}

/// <summary>Finds a <c>data: [DONE]</c> (or <c>data:[DONE]</c>) line across chunk boundaries without allocating.</summary>
/// <remarks>
/// Only the first bytes of each line go through the state machine; the rest of a line is skipped with a vectorized
/// search for the next line break, so the cost per streamed byte stays close to a memory scan.
/// </remarks>
internal struct DoneLineDetector
{
    private const int MidLine = -1;
    private int _state;

    /// <summary>Gets a value indicating whether a <c>[DONE]</c> line was seen.</summary>
    public bool SawDone { get; private set; }

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Scan(ReadOnlySpan<byte> chunk)
    {
        var i = 0;
        while (i < chunk.Length && !SawDone)
        {
            if (_state == MidLine)
            {
                // Nothing on the rest of this line can matter: jump past its end (SSE lines end in LF, CR or CRLF).
                var lineBreak = chunk[i..].IndexOfAny((byte)'\n', (byte)'\r');
                if (lineBreak < 0)
                {
                    return;
                }

                i += lineBreak + 1;
                _state = 0;
                continue;
            }

            Step(chunk[i++]);
        }
    }

    /// <summary>Advances the state machine by one byte at the start of a line (never called mid-line).</summary>
    private void Step(byte b)
    {
        ReadOnlySpan<byte> prefix = "data:"u8;
        ReadOnlySpan<byte> done = "[DONE]"u8;
        if (b is (byte)'\n' or (byte)'\r')
        {
            _state = 0;
            return;
        }

        // States: 0..4 matching "data:", 5 after it (an optional space), 6..11 matching "[DONE]".
        switch (_state)
        {
            case < 5:
                _state = b == prefix[_state] ? _state + 1 : MidLine;
                break;
            case 5 when b == (byte)' ':
                _state = 6;
                break;
            default:
                var index = _state - (_state == 5 ? 5 : 6);
                if (b == done[index])
                {
                    _state = (_state == 5 ? 6 : _state) + 1;
                    SawDone = index == done.Length - 1;
                }
                else
                {
                    _state = MidLine;
                }

                break;
        }
    }
}
