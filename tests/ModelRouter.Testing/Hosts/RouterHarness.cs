using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Storage;
using RichardSzalay.MockHttp;

namespace ModelRouter.Testing;

/// <summary>
/// The real pipeline from DI (<c>AddModelRouter().LoadFromMemory().ConfigureHttpClient()</c>) over MockHttp, or over any
/// <see cref="HttpMessageHandler"/> as its vendors, with a fake clock and a log collector at Trace level. Any request no
/// test expected fails the test loudly.
/// </summary>
internal sealed class RouterHarness : IAsyncDisposable, IDisposable
{
    private readonly MockHttpMessageHandler? _http;

    private RouterHarness(ServiceProvider services, MockHttpMessageHandler? http, FakeTimeProvider time)
    {
        Services = services;
        _http = http;
        Time = time;
    }

    public ServiceProvider Services { get; }

    /// <summary>Gets the MockHttp vendors (not there when the harness was created over another handler).</summary>
    public MockHttpMessageHandler Http => _http ?? throw new InvalidOperationException("This harness runs over another handler, not MockHttp.");

    public FakeTimeProvider Time { get; }

    public IModelRouter Router => Services.GetRequiredService<IModelRouter>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    public InMemoryRouterStore Store => (InMemoryRouterStore)Services.GetRequiredService<IRouterStore>();

    public RoutingSnapshotProvider Snapshots => Services.GetRequiredService<RoutingSnapshotProvider>();

    /// <param name="config">The configuration the router serves.</param>
    /// <param name="configure">Adjusts the host settings.</param>
    /// <param name="services">Adds services after the router's.</param>
    /// <param name="modelRouter">Adds router features (<c>AddHealthChecks()</c>, say).</param>
    public static RouterHarness Create(ModelRouterConfig config, Action<ModelRouterOptions>? configure = null, Action<IServiceCollection>? services = null, Action<IModelRouterBuilder>? modelRouter = null)
    {
        var http = new MockHttpMessageHandler();
        http.Fallback.Throw(new InvalidOperationException("The test did not expect this upstream request."));
        return Create(config, http, http, configure, services, b => b.AddHttpMessageHandler(() => new TokenCapturingHandler()), modelRouter);
    }

    /// <summary>A harness whose vendors are <paramref name="vendors"/> (which sees each request's cancellation token itself).</summary>
    public static RouterHarness Create(HttpMessageHandler vendors, ModelRouterConfig config, Action<ModelRouterOptions>? configure = null, Action<IModelRouterBuilder>? modelRouter = null)
        => Create(config, vendors, null, configure, null, null, modelRouter);

    private static RouterHarness Create(
        ModelRouterConfig config,
        HttpMessageHandler vendors,
        MockHttpMessageHandler? http,
        Action<ModelRouterOptions>? configure,
        Action<IServiceCollection>? services,
        Action<IHttpClientBuilder>? client,
        Action<IModelRouterBuilder>? modelRouter)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddFakeLogging();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        var builder = collection.AddModelRouter(o => configure?.Invoke(o))
            .LoadFromMemory(config)
            .ConfigureHttpClient(b =>
            {
                b.ConfigurePrimaryHttpMessageHandler(() => vendors);
                client?.Invoke(b);
            });
        modelRouter?.Invoke(builder);
        services?.Invoke(collection);
        return new RouterHarness(collection.BuildServiceProvider(validateScopes: true), http, time);
    }

    public ValueTask<ModelRouterResponse> RouteAsync(string body, string? appKey = TestConfigs.AppKey, string slug = "prod", CancellationToken cancellationToken = default)
        => Router.RouteAsync(new ModelRouterRequest(slug, Encoding.UTF8.GetBytes(body)) { AppKey = appKey }, cancellationToken);

    public async Task<ModelRouterException> RouteFailsAsync(string body, string? appKey = TestConfigs.AppKey, string slug = "prod")
    {
        try
        {
            await using var response = await RouteAsync(body, appKey, slug);
            await Bodies.ReadAllAsync(response);
        }
        catch (ModelRouterException ex)
        {
            return ex;
        }

        Assert.Fail("The request was expected to fail with a ModelRouterException.");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Routes <see cref="FailoverVendors.Body"/> to router <c>prod</c> and reads the whole answer; returns the vendor that served it.</summary>
    public async Task<string> SendAsync(bool streaming, CancellationToken cancellationToken = default)
    {
        await using var response = await Router.RouteAsync(new ModelRouterRequest("prod", FailoverVendors.Body(streaming)), cancellationToken);
        if (response.IsStreaming)
        {
            while (!(await response.ReadStreamChunkAsync(cancellationToken)).IsEmpty)
            {
            }
        }

        return response.Llm;
    }

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();

    public void Dispose() => Services.Dispose();

    /// <summary>Exposes each upstream call's cancellation token to MockHttp responders, which do not receive it.</summary>
    public sealed class TokenCapturingHandler : DelegatingHandler
    {
        private static readonly AsyncLocal<CancellationToken> s_current = new();

        public static CancellationToken Current => s_current.Value;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            s_current.Value = cancellationToken;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Request bodies and vendor responses.</summary>
internal static class Bodies
{
    public static readonly string Completion = ProviderVendors.Answer(ProviderKinds.OpenAI, streaming: false, "hi");

    public static readonly string StreamEvents = ProviderVendors.Answer(ProviderKinds.OpenAI, streaming: true, "hi");

    public static string Chat(string model, bool streaming = false)
        => $$"""{"model":{{System.Text.Json.JsonSerializer.Serialize(model)}},"messages":[{"role":"user","content":"Hello"}],"stream":{{(streaming ? "true" : "false")}}}""";

    /// <summary>A successful answer in the shape the request asked for.</summary>
    public static HttpResponseMessage Success(bool streaming, string? marker = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Content = new StringContent(ProviderVendors.Answer(ProviderKinds.OpenAI, streaming, marker ?? "hi"), Encoding.UTF8, ProviderVendors.MediaType(streaming));
        return response;
    }

    public static HttpResponseMessage Status(HttpStatusCode status, string? errorMessage = null, Action<HttpResponseMessage>? configure = null)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent(
                $$$"""{"error":{"message":"{{{errorMessage ?? "vendor says no"}}}","type":"invalid_request_error","param":"messages","code":"bad_thing"}}""",
                Encoding.UTF8,
                "application/json"),
        };
        configure?.Invoke(response);
        return response;
    }

    /// <summary>Reads the whole answer: the JSON body, or every stream chunk until the end.</summary>
    public static async Task<string> ReadAllAsync(ModelRouterResponse response, CancellationToken cancellationToken = default)
    {
        if (!response.IsStreaming)
        {
            return Encoding.UTF8.GetString(response.Content.Span);
        }

        var text = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            var chunk = await response.ReadStreamChunkAsync(cancellationToken);
            if (chunk.IsEmpty)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        throw new InvalidOperationException("The stream did not end within 10 000 chunks.");
    }
}

/// <summary>A response body that fails on its first read, like a connection reset before any byte.</summary>
internal sealed class BrokenStream(byte[]? prefix = null) : ReadOnlyTestStream
{
    private int _reads;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_reads++ == 0 && prefix is not null)
        {
            var n = Math.Min(count, prefix.Length);
            prefix.AsSpan(0, n).CopyTo(buffer.AsSpan(offset));
            return n;
        }

        throw new IOException("connection reset by peer");
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_reads++ == 0 && prefix is not null)
        {
            var n = Math.Min(buffer.Length, prefix.Length);
            prefix.AsSpan(0, n).CopyTo(buffer.Span);
            return ValueTask.FromResult(n);
        }

        return ValueTask.FromException<int>(new IOException("connection reset by peer"));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
