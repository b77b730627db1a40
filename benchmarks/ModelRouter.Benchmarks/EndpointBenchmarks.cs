using System.Diagnostics;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Benchmarks.Load;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// One chat request through a whole ASP.NET Core app, in process (<see cref="TestServer"/>), to the same in-process
/// fake vendor: <c>MapModelRouter</c> configured as the load test's <c>RouterHost</c> against the load test's bare
/// forwarder (the same <see cref="BareForwarding"/> code). Everything the two hosts do differently is in here (body
/// read, app key, parse, route, map, breaker, timeouts, response headers, stream relay), without sockets, Kestrel or
/// the load test's launch-to-launch spread; what this cannot show (scheduling, cache, kernel) is what is left over.
/// A third target, a minimal endpoint over <see cref="IModelRouter.RouteAsync"/> in the router's app, splits the router's
/// cost into routing and what <c>MapModelRouter</c>'s endpoint adds.
/// </summary>
/// <remarks>
/// Read the allocation columns; the times are wall-clock, and through <c>TestServer</c> the client and the server overlap on
/// two cores, so an app that answers later reads slower without costing more. For CPU per request, the load target's
/// measure, run <c>endpoint-cpu</c> (see <see cref="EndpointCpuRun"/>).
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class EndpointBenchmarks
{
    private static readonly Uri s_vendor = new("http://127.0.0.1:18101/v1/chat/completions");
    private static long s_routeTicks;
    private static long s_routeCalls;
    private WebApplication _forwarderApp = null!;
    private WebApplication _routerApp = null!;
    private HttpClient _forwarder = null!;
    private HttpClient _router = null!;
    private HttpClient _upstream = null!;
    private byte[] _body = null!;
    private byte[] _sink = null!;

    /// <summary>Gets or sets a value indicating whether the request asks for a stream.</summary>
    [Params(false, true)]
    public bool Streaming { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _body = PipelineBenchmarks.LoadTestBody(Streaming);
        _sink = new byte[16 * 1024];

        var forwarder = CreateBuilder();
        _upstream = new HttpClient(new FakeVendorHandler(yields: false)) { Timeout = Timeout.InfiniteTimeSpan };
        _forwarderApp = forwarder.Build();
        _forwarderApp.MapPost("/v1/chat/completions", (HttpContext context) => BareForwarding.ForwardAsync(context, _upstream, s_vendor));
        await _forwarderApp.StartAsync().ConfigureAwait(false);
        _forwarder = _forwarderApp.GetTestClient();

        var router = CreateBuilder();
        PipelineBenchmarks.AddBenchRouter(router.Services);
        router.Services.AddHttpClient(ModelRouterDefaults.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new FakeVendorHandler(yields: false));
        _routerApp = router.Build();
        _routerApp.MapModelRouter();
        var routing = _routerApp.Services.GetRequiredService<IModelRouter>();
        _routerApp.MapPost("/route-only", (HttpContext context) => RouteOnlyAsync(context, routing));
        await _routerApp.StartAsync().ConfigureAwait(false);
        _router = _routerApp.GetTestClient();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _forwarder.Dispose();
        _router.Dispose();
        _upstream.Dispose();
        await _forwarderApp.DisposeAsync().ConfigureAwait(false);
        await _routerApp.DisposeAsync().ConfigureAwait(false);
    }

    [Benchmark(Baseline = true, Description = "bare forwarder app")]
    public Task<int> Forwarder() => SendAsync(_forwarder, "/v1/chat/completions");

    [Benchmark(Description = "MapModelRouter app")]
    public Task<int> Router() => SendAsync(_router, "/router/bench/v1/chat/completions");

    /// <summary>The router's app with a minimal endpoint over <see cref="IModelRouter.RouteAsync"/> in place of <c>MapModelRouter</c>.</summary>
    [Benchmark(Description = "RouteAsync in a minimal endpoint")]
    public Task<int> RouteOnly() => SendAsync(_router, "/route-only");

    /// <summary>Gets the time spent in <see cref="IModelRouter.RouteAsync"/> by <see cref="RouteOnly"/>, and its calls, since the last reset.</summary>
    internal static (TimeSpan Elapsed, long Calls) TakeRouteTiming()
        => (Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref s_routeTicks, 0)), Interlocked.Exchange(ref s_routeCalls, 0));

    /// <summary>
    /// Reads the body into an array of its declared length, routes it, times the call (until the answer or the first
    /// chunk is in hand), and writes the answer back with a write and a flush per chunk: the router's own cost inside an
    /// app, without <c>MapModelRouter</c>'s body buffer, app-key header, response headers and relay.
    /// </summary>
    private static async Task RouteOnlyAsync(HttpContext context, IModelRouter router)
    {
        var body = new byte[context.Request.ContentLength ?? 0];
        await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var response = await router.RouteAsync(new ModelRouterRequest("bench", body) { AppKey = "bench-app-key" }, context.RequestAborted).ConfigureAwait(false);
        Interlocked.Add(ref s_routeTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Increment(ref s_routeCalls);
        await using (response.ConfigureAwait(false))
        {
            context.Response.ContentType = response.ContentType;
            if (!response.IsStreaming)
            {
                await context.Response.Body.WriteAsync(response.Content, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            while (await response.ReadStreamChunkAsync(context.RequestAborted).ConfigureAwait(false) is { IsEmpty: false } chunk)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
    }

    private static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        return builder;
    }

    private async Task<int> SendAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(_body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "bench-app-key");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(_sink).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }
}
