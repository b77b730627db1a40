using System.Net;
using System.Text;
using System.Threading.Channels;
using ModelRouter.Configuration;
using ModelRouter.Routing;

namespace ModelRouter.Testing;

/// <summary>Two or three OpenAI vendors "a", "b", "c" in one pool of router "prod" (no app key), for the failover contract tests.</summary>
internal static class FailoverVendors
{
    public const string UrlA = "http://127.0.0.1:5101/v1/chat/completions";
    public const string UrlB = "http://127.0.0.1:5102/v1/chat/completions";
    public const string UrlC = "http://127.0.0.1:5103/v1/chat/completions";

    /// <summary>A <see cref="RouterHarness"/> over <paramref name="vendors"/> with <see cref="Config"/> and no app key required.</summary>
    public static RouterHarness Start(HttpMessageHandler vendors, int vendorCount = 2, Action<ModelRouterOptions>? configure = null, IReadOnlyList<int>? failoverStatusCodes = null)
        => RouterHarness.Create(vendors, Config(vendorCount, failoverStatusCodes), o =>
        {
            o.RequireAppKey = false;
            configure?.Invoke(o);
        });

    public static ModelRouterConfig Config(int vendorCount, IReadOnlyList<int>? failoverStatusCodes = null, string keyA = "llm-key-a")
    {
        string[] ids = ["a", "b", "c"];
        return new ModelRouterConfig
        {
            Llms = [.. ids.Take(vendorCount).Select((id, i) => new LlmConfig
            {
                Id = id,
                BaseUrl = $"http://127.0.0.1:{5101 + i}/v1",
                ApiKey = id == "a" ? keyA : $"llm-key-{id}",
            })],
            Routers =
            [
                new RouterConfig
                {
                    Slug = "prod",
                    Pools =
                    [
                        new PoolConfig
                        {
                            Name = "all",
                            ModelPattern = "*",
                            FailoverStatusCodes = failoverStatusCodes,
                            Vendors = [.. ids.Take(vendorCount).Select(id => new VendorConfig { Llm = id })],
                        },
                    ],
                },
            ],
        };
    }

    public static byte[] Body(bool streaming) => Encoding.UTF8.GetBytes(
        $$"""{"model":"gpt-4o","stream":{{(streaming ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""");

    /// <summary>A successful answer saying <paramref name="vendor"/>.</summary>
    public static HttpResponseMessage Ok(bool streaming, string vendor) => Bodies.Success(streaming, vendor);

    /// <summary>An OpenAI error answer with <paramref name="status"/>, adjusted by <paramref name="configure"/> (a Retry-After, say).</summary>
    public static HttpResponseMessage Status(HttpStatusCode status, Action<HttpResponseMessage>? configure = null)
        => Bodies.Status(status, configure: configure);
}

/// <summary>A response body the test feeds chunk by chunk, to play slow or steady vendors.</summary>
internal sealed class ScriptedStream : ReadOnlyTestStream
{
    private readonly Channel<byte[]?> _chunks = Channel.CreateUnbounded<byte[]?>();
    private byte[] _current = [];
    private int _offset;

    public TaskCompletionSource FirstRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Write(string text) => _chunks.Writer.TryWrite(Encoding.UTF8.GetBytes(text));

    public void End() => _chunks.Writer.TryComplete();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        FirstRead.TrySetResult();
        if (_offset >= _current.Length)
        {
            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken) || !_chunks.Reader.TryRead(out var next) || next is null)
            {
                return 0;
            }

            _current = next;
            _offset = 0;
        }

        var count = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, count).CopyTo(buffer);
        _offset += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// Fake vendors by URL, answering with delegates that see the request's cancellation token and may stream slowly.
/// (MockHttp buffers delegated responses and drops the token, which these timing-sensitive cases cannot use.)
/// </summary>
internal sealed class ScriptedVendors : HttpMessageHandler
{
    private readonly Dictionary<string, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _vendors = new(StringComparer.Ordinal);

    public void When(string url, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) => _vendors[url] = respond;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        => _vendors.TryGetValue(request.RequestUri!.ToString(), out var respond)
            ? respond(request, cancellationToken)
            : throw new InvalidOperationException($"No fake vendor at {request.RequestUri}.");
}
