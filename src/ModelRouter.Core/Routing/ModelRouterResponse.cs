using System.Net.ServerSentEvents;
using ModelRouter.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Model;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>A vendor's successful answer in OpenAI's shape: a JSON body, or a stream of server-sent events.</summary>
/// <remarks>
/// Not thread-safe, except that it may be disposed while a stream read is in flight: that read is cancelled and waited
/// for. Dispose it to release the upstream connection and the pooled buffer <see cref="Content"/> is in; for a stream
/// that also cancels the upstream call.
/// </remarks>
public sealed class ModelRouterResponse : IAsyncDisposable
{
    private readonly ChatEventReader? _stream;
    private readonly IDisposable? _owner;
    private readonly RequestTelemetry? _telemetry;
    private ReadOnlyMemory<byte> _pending;
    private bool _disposed;

    /// <summary>Creates the answer of the attempt that served the request.</summary>
    internal ModelRouterResponse(VendorSnapshot vendor, PoolSnapshot pool, int attempts, AttemptOutcome served, string trail, RequestTelemetry? telemetry = null)
    {
        _telemetry = telemetry;
        Trail = trail;
        Llm = vendor.Llm.Id;
        Pool = pool.Name;
        RouterSlug = pool.RouterSlug;
        Model = served.Model;
        Attempts = attempts;
        VendorHeaders = served.Headers ?? [];
        if (served.Stream is { } stream)
        {
            _stream = stream;
            _pending = served.Content;
            _owner = served.Owner;
        }
        else
        {
            Content = served.Content;
        }
    }

    /// <summary>
    /// Gets the serving vendor's rate-limit headers (<c>x-ratelimit-*</c>, <c>anthropic-ratelimit-*</c>, <c>retry-after</c>,
    /// <c>retry-after-ms</c>), which the endpoint passes on to the client; no other vendor header is kept.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> VendorHeaders { get; }

    /// <summary>Gets the id of the LLM that served the request (the <c>x-model-router-vendor</c> header carries it).</summary>
    public string Llm { get; }

    /// <summary>Gets the name of the pool that handled the request.</summary>
    public string Pool { get; }

    /// <summary>Gets the slug of the router.</summary>
    public string RouterSlug { get; }

    /// <summary>Gets the model name sent to the vendor, after mapping.</summary>
    public string Model { get; }

    /// <summary>Gets how many vendors were tried, this one included.</summary>
    public int Attempts { get; }

    /// <summary>Gets the attempts in order, as the <c>x-model-router-trail</c> header shows them: <c>openai-main=429;azure-eu=ok</c>.</summary>
    public string Trail { get; }

    /// <summary>Gets a value indicating whether the answer is a stream of server-sent events.</summary>
    public bool IsStreaming => _stream is not null;

    /// <summary>Gets the content type of the answer.</summary>
    public string ContentType => IsStreaming ? "text/event-stream" : "application/json";

    /// <summary>Gets the OpenAI <c>chat.completion</c> JSON body; empty for streams.</summary>
    /// <remarks>
    /// Valid until the answer is disposed: the body may sit in a pooled buffer that disposing returns, and reading it
    /// afterwards throws <see cref="ObjectDisposedException"/>. Copy it (<c>ToArray()</c>) to keep it longer.
    /// </remarks>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Reads the next chunk of server-sent event bytes; empty when the stream is complete.</summary>
    /// <remarks>
    /// The memory is valid until the next call. To pass events through as they arrive, write each chunk and flush before
    /// waiting for the next: when the returned task is not already completed (as the HTTP endpoint does), or after every chunk.
    /// </remarks>
    /// <exception cref="ModelRouterException">The stream was cut or failed after it started (<see cref="ModelRouterErrorKind.StreamInterrupted"/> or <see cref="ModelRouterErrorKind.UpstreamTimeout"/>).</exception>
    /// <exception cref="InvalidOperationException">The answer is not a stream.</exception>
    public ValueTask<ReadOnlyMemory<byte>> ReadStreamChunkAsync(CancellationToken cancellationToken = default)
    {
        // Not an async method: each chunk comes straight from the vendor's stream, with no state machine of ours in between.
        // Misuse still arrives as a faulted task, as it did from the async method.
        var stream = _stream;
        if (stream is null)
        {
            return ValueTask.FromException<ReadOnlyMemory<byte>>(new InvalidOperationException("The answer is not a stream; read Content instead."));
        }

        if (_disposed)
        {
            return ValueTask.FromException<ReadOnlyMemory<byte>>(new ObjectDisposedException(nameof(ModelRouterResponse)));
        }

        if (!_pending.IsEmpty)
        {
            var pending = _pending;
            _pending = ReadOnlyMemory<byte>.Empty;
            return new(pending);
        }

        return _telemetry is null ? stream.ReadAsync(cancellationToken) : ObserveAsync(stream.ReadAsync(cancellationToken), _telemetry);
    }

    /// <summary>Passes a chunk on while someone listens: its usage, the stream's end or its break.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ObserveAsync(ValueTask<ReadOnlyMemory<byte>> read, RequestTelemetry telemetry)
    {
        ReadOnlyMemory<byte> chunk;
        try
        {
            chunk = await read.ConfigureAwait(false);
        }
        catch (ModelRouterException)
        {
            telemetry.StreamEnded(ModelRouterStreamEnd.Cut);
            throw;
        }

        if (chunk.IsEmpty)
        {
            telemetry.StreamEnded(ModelRouterStreamEnd.Completed);
        }
        else
        {
            telemetry.Chunk(chunk.Span);
        }

        return chunk;
    }

    /// <summary>Reads the stream as parsed server-sent events (<c>data:</c> payloads of <c>chat.completion.chunk</c>, then <c>[DONE]</c>).</summary>
    public IAsyncEnumerable<SseItem<string>> ReadEventsAsync(CancellationToken cancellationToken = default)
    {
        _ = _stream ?? throw new InvalidOperationException("The answer is not a stream; read Content instead.");
        return SseParser.Create(new ChunkStream(this)).EnumerateAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_telemetry is not null)
        {
            if (_stream?.Usage is { } usage)
            {
                _telemetry.Usage(usage.InputTokens, usage.OutputTokens);
            }

            _telemetry.Completed();
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        UpstreamHttp.ReleaseBody(Content);
        _owner?.Dispose();
    }

    /// <summary>A read-only stream over the chunks, for <see cref="SseParser"/>.</summary>
    private sealed class ChunkStream(ModelRouterResponse response) : Stream
    {
        private ReadOnlyMemory<byte> _current;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_current.IsEmpty)
            {
                _current = await response.ReadStreamChunkAsync(cancellationToken).ConfigureAwait(false);
                if (_current.IsEmpty)
                {
                    return 0;
                }
            }

            var count = Math.Min(buffer.Length, _current.Length);
            _current[..count].CopyTo(buffer);
            _current = _current[count..];
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
