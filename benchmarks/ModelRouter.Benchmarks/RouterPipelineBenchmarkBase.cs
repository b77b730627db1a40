using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// What the in-process pipeline benchmarks share: a router configured as the load test's <c>RouterHost</c> and a bare
/// <see cref="HttpClient"/>, each over its own <see cref="FakeVendorHandler"/>, and the load test's body.
/// </summary>
public abstract class RouterPipelineBenchmarkBase
{
    private static readonly Uri s_vendor = new("http://127.0.0.1:18101/v1/chat/completions");
    private ServiceProvider _services = null!;

    /// <summary>Gets or sets a value indicating whether the vendor handler completes asynchronously (after a <see cref="Task.Yield"/>), as a socket does.</summary>
    [Params(false, true)]
    public bool AsyncVendor { get; set; }

    protected IModelRouter Router { get; private set; } = null!;

    protected HttpClient BareClient { get; private set; } = null!;

    protected byte[] Body { get; private set; } = null!;

    protected CancellationTokenSource Caller { get; private set; } = null!;

    /// <summary>Gets a value indicating whether the body asks for a stream.</summary>
    protected abstract bool Streaming { get; }

    [GlobalSetup]
    public void Setup()
    {
        Body = PipelineBenchmarks.LoadTestBody(Streaming);
        var services = PipelineBenchmarks.RouterServices();
        services.AddHttpClient(ModelRouterDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new FakeVendorHandler(AsyncVendor));
        _services = services.BuildServiceProvider();
        Router = _services.GetRequiredService<IModelRouter>();
        BareClient = new HttpClient(new FakeVendorHandler(AsyncVendor));
        Caller = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        BareClient.Dispose();
        _services.Dispose();
        Caller.Dispose();
    }

    /// <summary>The body as the bare forwarder sends it; the caller disposes it with the answer.</summary>
    protected HttpRequestMessage CreateBareRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, s_vendor) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }

    /// <summary>Sends <paramref name="request"/> with the bare client and returns the answer with its headers read.</summary>
    protected Task<HttpResponseMessage> SendBareAsync(HttpRequestMessage request)
        => BareClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Caller.Token);

    /// <summary>Routes the body as the load test's app.</summary>
    protected ValueTask<ModelRouterResponse> RouteAsync()
        => Router.RouteAsync(new ModelRouterRequest("bench", Body) { AppKey = "bench-app-key" }, Caller.Token);
}
