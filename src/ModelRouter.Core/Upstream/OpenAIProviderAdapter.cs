using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream;

/// <summary>
/// <c>openai</c>: any OpenAI-compatible API. <c>POST {baseUrl}/chat/completions</c> (embeddings: <c>{baseUrl}/embeddings</c>)
/// with <c>Authorization: Bearer</c>; the body passes through with only <c>model</c> rewritten, and the answer passes back
/// as the vendor sent it, except that the LLM's own secrets in it (its key, its configured header values) are overwritten
/// with <c>*</c>. A request of the Messages door is translated to a chat completion request, and the answer or stream back
/// to Anthropic's shapes.
/// </summary>
public sealed class OpenAIProviderAdapter : IProviderAdapter
{
    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.OpenAI;

    /// <inheritdoc/>
    public bool Serves(ModelRouterOperation operation) => true;

    /// <inheritdoc/>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var request = new HttpRequestMessage(HttpMethod.Post, llm.Resolve(context.Request.Operation == ModelRouterOperation.Embeddings ? "embeddings" : "chat/completions"))
        {
            Content = CreateContent(context),
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
        if (context.Request.Operation == ModelRouterOperation.Messages)
        {
            try
            {
                var answer = MessagesResponseTranslator.Translate(body);
                context.Llm.Secrets.MaskUtf8(answer);
                return answer;
            }
            finally
            {
                UpstreamHttp.ReleaseBody(body);
            }
        }

        if (!UpstreamHttp.IsJsonObject(body.Span))
        {
            UpstreamHttp.ReleaseBody(body);
            throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a JSON object.");
        }

        // Passed on as it is, but for the LLM's secrets, masked in place (the buffer is the router's own): the answer
        // releases it when it is disposed.
        context.Llm.Secrets.MaskUtf8(MemoryMarshal.AsMemory(body).Span);
        return body;
    }

    /// <inheritdoc/>
    public ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Operation == ModelRouterOperation.Messages
            ? new TranslatedEventStream(response, new MessagesStreamTranslator(context.Llm.Secrets), context.MaxResponseBodyBytes, new SecretStreamMask(context.Llm.Secrets))
            : new PassThroughEventStream(response, context.MaxResponseBodyBytes, new SecretStreamMask(context.Llm.Secrets), context.WantsUsage, dropUsageEvent: !context.Request.IncludeUsage);
    }

    /// <summary>The body to send: the client's with the mapped model, or for the Messages door its translation to a chat completion request.</summary>
    internal static HttpContent CreateContent(ProviderRequestContext context)
        => context.Request.Operation == ModelRouterOperation.Messages
            ? new ByteArrayContent(MessagesRequestTranslator.Translate(context.Request.Utf8Json, context.TargetModel)) { Headers = { ContentType = s_jsonContentType } }
            : context.Request.CreateContent(context.TargetModelJson, askForUsage: context.WantsUsage);

    /// <inheritdoc/>
    public async ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            return UpstreamHttp.ParseOpenAIError(body.Span, (int)response.StatusCode, context.Llm);
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    /// <summary>
    /// Copies the vendor's SSE bytes as they arrive, up to the <c>data: [DONE]</c> line that completes the stream (the text
    /// <c>[DONE]</c> inside a content delta does not count: a JSON string cannot hold a raw line break). That line is passed
    /// on with its blank line, and the vendor's stream is released then, whatever it still sends. The LLM's secrets are masked
    /// in the buffer before the bytes are passed on (<see cref="SecretStreamMask"/>).
    /// </summary>
    /// <remarks>
    /// No event may be larger than the response limit. The first read returns only once an event that carries part of the
    /// answer (or an error, or the end) is complete: a role-only preamble is held with it, so a vendor whose stream breaks
    /// off, is too large or reports an error before any content is failed over before anything reaches the client. What
    /// is held is bounded by the response limit too. After the first read, bytes pass through as they come.
    /// <para>
    /// When the router wants the stream's usage (<see cref="ProviderRequestContext.WantsUsage"/>), every read passes on whole
    /// events only, holding back the start of an event the read cut off, so that the usage-only event is read whole (its
    /// counts are kept for the router's telemetry, <see cref="Usage"/>) and, when the router asked for it on behalf of a
    /// client that did not, taken out before the client sees it. Finding it costs one backward search per read
    /// (<see cref="AnswerReader.TryFindUsageEvent"/>); nothing else is parsed. The preamble is held as above.
    /// </para>
    /// </remarks>
    private sealed class PassThroughEventStream(HttpResponseMessage response, int maxEventBytes, SecretStreamMask secrets, bool readUsage, bool dropUsageEvent) : ChatEventReader
    {
        // 4 KiB: SocketsHttpHandler's connection buffer starts at that size, so a larger one rarely fills, while under
        // hundreds of concurrent streams the shared pool runs dry and each stream allocates its buffer anew.
        private const int ReadSize = 4 * 1024;

        private Stream? _body;
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        private SseEventScanner _scanner = new(maxEventBytes, findDone: true);

        // When reading usage: the bytes of an unfinished event held back at the end of the buffer, whether the next read's
        // first byte is the LF of a usage event taken out (it ended with a CR, the read with it), and the usage event's counts.
        private int _heldStart;
        private int _heldLength;
        private bool _dropLeadingLf;
        private bool _sawAnswer;
        private (long InputTokens, long OutputTokens)? _usage;

        internal override (long InputTokens, long OutputTokens)? Usage => _usage;

        /// <summary>Gets the blank line that ends the <c>[DONE]</c> event; each read leaves room for it in the buffer.</summary>
        private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PassThroughEventStream));
            if (_scanner.SawDone)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            if (_body is null)
            {
                _body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                if (!readUsage)
                {
                    return await ReadFirstEventAsync(_body, cancellationToken).ConfigureAwait(false);
                }
            }

            if (readUsage)
            {
                return await ReadWholeEventsAsync(_body, cancellationToken).ConfigureAwait(false);
            }

            if (buffer.Length > ReadSize)
            {
                // The first event needed a larger buffer; the rest of the stream passes through the usual one.
                ArrayPool<byte>.Shared.Return(buffer);
                _buffer = buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            }

            var read = await _body.ReadAsync(buffer.AsMemory(0, buffer.Length - EventEnd.Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidUpstreamResponseException("The vendor ended the stream before its final [DONE] event.");
            }

            return Relay(buffer, 0, read);
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

        /// <summary>
        /// Reads until the first event that is not a preamble is complete (or the stream is, or the preamble reaches the
        /// event limit), growing the buffer as it needs to.
        /// </summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadOnlyMemory<byte>> ReadFirstEventAsync(Stream body, CancellationToken cancellationToken)
        {
            var length = 0;
            var classified = 0;
            while (true)
            {
                var buffer = _buffer!;
                if (length == buffer.Length - EventEnd.Length)
                {
                    // The limit stops the growth: the scanner fails an event larger than it.
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    _buffer = larger;
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length, buffer.Length - EventEnd.Length - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidUpstreamResponseException("The vendor ended the stream before its final [DONE] event.");
                }

                var chunk = Relay(buffer, length, read);
                if (_scanner.SawDone)
                {
                    return chunk;
                }

                if (_scanner.SawEventEnd)
                {
                    // Preamble events held past the event limit are sent as they are: the limit bounds what is held.
                    if (ChatAnswerShape.ClassifyEvents(chunk.Span[classified..], out var consumed) != ChatEventKind.Preamble || length + read >= maxEventBytes)
                    {
                        return chunk;
                    }

                    classified += consumed;
                }

                length += read;
            }
        }

        /// <summary>
        /// Reads until at least one event is complete (or the stream is) and returns the complete events, the usage event
        /// taken out; the start of an event the last read cut off is held back for the next call.
        /// </summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadOnlyMemory<byte>> ReadWholeEventsAsync(Stream body, CancellationToken cancellationToken)
        {
            var buffer = _buffer!;
            var length = _heldLength;
            if (buffer.Length > ReadSize && length < ReadSize - EventEnd.Length)
            {
                // A large event needed a larger buffer; the rest of the stream passes through the usual one.
                var usual = ArrayPool<byte>.Shared.Rent(ReadSize);
                buffer.AsSpan(_heldStart, length).CopyTo(usual);
                ArrayPool<byte>.Shared.Return(buffer);
                _buffer = buffer = usual;
            }
            else if (_heldStart > 0)
            {
                buffer.AsSpan(_heldStart, length).CopyTo(buffer);
            }

            _heldStart = _heldLength = 0;
            while (true)
            {
                if (length == buffer.Length - EventEnd.Length)
                {
                    // The limit stops the growth: the scanner fails an event larger than it.
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    _buffer = buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length, buffer.Length - EventEnd.Length - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidUpstreamResponseException("The vendor ended the stream before its final [DONE] event.");
                }

                var kept = _scanner.Scan(buffer.AsSpan(length, read));
                secrets.Mask(buffer.AsSpan(length, kept));
                int end;
                if (_scanner.SawDone)
                {
                    EventEnd.CopyTo(buffer.AsSpan(length + kept));
                    _body!.Dispose();
                    end = length + kept + EventEnd.Length;
                }
                else if (_scanner.LastEventEnd >= 0)
                {
                    end = length + _scanner.LastEventEnd;
                    if (end < length + read && buffer[end - 1] == (byte)'\r' && buffer[end] == (byte)'\n')
                    {
                        end++; // the LF of the CRLF that ended the event
                    }

                    _heldStart = end;
                    _heldLength = length + read - end;
                }
                else
                {
                    length += read;
                    continue;
                }

                if (!_sawAnswer && !_scanner.SawDone)
                {
                    // Hold a role-only preamble until an event of the answer (or an error, or the end) completes, as the
                    // first read does without usage; preamble events past the event limit are sent as they are.
                    if (ChatAnswerShape.ClassifyEvents(buffer.AsSpan(0, end), out _) == ChatEventKind.Preamble && end < maxEventBytes)
                    {
                        length += read;
                        _heldStart = _heldLength = 0;
                        continue;
                    }
                }

                _sawAnswer = true;
                var from = 0;
                if (_dropLeadingLf)
                {
                    _dropLeadingLf = false;
                    from = buffer[0] == (byte)'\n' ? 1 : 0;
                }

                if (_usage is null && AnswerReader.TryFindUsageEvent(buffer.AsSpan(from, end - from), out var start, out var eventLength))
                {
                    start += from;
                    if (AnswerReader.TryReadUsage(buffer.AsSpan(start, eventLength), out var input, out var output))
                    {
                        _usage = (input, output);
                    }

                    if (dropUsageEvent)
                    {
                        _dropLeadingLf = start + eventLength == end && buffer[end - 1] == (byte)'\r' && _heldLength == 0 && !_scanner.SawDone;
                        buffer.AsSpan(start + eventLength, end - start - eventLength).CopyTo(buffer.AsSpan(start));
                        end -= eventLength;
                    }
                }

                if (end == from)
                {
                    // Nothing to pass on yet (the read held the usage event alone): an empty chunk would end the stream.
                    buffer.AsSpan(_heldStart, _heldLength).CopyTo(buffer);
                    length = _heldLength;
                    _heldStart = _heldLength = 0;
                    continue;
                }

                return buffer.AsMemory(from, end - from);
            }
        }

        /// <summary>Scans <paramref name="read"/> new bytes at <paramref name="start"/> and returns what to pass on from the buffer's start.</summary>
        private ReadOnlyMemory<byte> Relay(byte[] buffer, int start, int read)
        {
            var kept = _scanner.Scan(buffer.AsSpan(start, read));
            secrets.Mask(buffer.AsSpan(start, kept));
            if (!_scanner.SawDone)
            {
                return buffer.AsMemory(0, start + read);
            }

            // The stream is complete: end the [DONE] event here and let the vendor go.
            EventEnd.CopyTo(buffer.AsSpan(start + kept));
            _body!.Dispose();
            return buffer.AsMemory(0, start + kept + EventEnd.Length);
        }
    }
}
