using System.Text;
using ModelRouter.Model;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The per-request pieces of <see cref="IModelRouter.RouteAsync"/> apart from the HTTP call, to see where its overhead
/// over a bare <see cref="HttpClient"/> goes. Baseline: one <see cref="ChatRequestBody.Parse"/> of the load test's body.
/// </summary>
[MemoryDiagnoser]
public class PipelinePiecesBenchmarks
{
    private byte[] _body = null!;
    private AppKeyIndex _apps = null!;
    private LlmHealth _health = null!;
    private ServiceProvider _services = null!;
    private IHttpClientFactory _clients = null!;
    private CancellationTokenSource _caller = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = Encoding.UTF8.GetBytes(
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
            + "{\"role\":\"user\",\"content\":\"Say hello in five words, please, and nothing more than that.\"}],\"temperature\":0.2,\"max_tokens\":64}");
        _apps = new AppKeyIndex([new AppConfig { Name = "bench-app", ApiKey = "bench-app-key", Routers = ["bench"] }]);
        _health = new LlmHealth("fake", LlmHealthSettings.Default, TimeProvider.System);
        var services = new ServiceCollection();
        services.AddModelRouter();
        _services = services.BuildServiceProvider();
        _clients = _services.GetRequiredService<IHttpClientFactory>();
        _caller = new CancellationTokenSource();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _caller.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ChatRequestBody.Parse")]
    public string Parse() => ChatRequestBody.Parse(_body).Model;

    [Benchmark(Description = "AppKeyIndex.Find (SHA-256)")]
    public AppConfig? FindApp() => _apps.Find("bench-app-key")?.App;

    [Benchmark(Description = "breaker ExecuteAsync (sync callback)")]
    public async Task<bool> Breaker()
    {
        var state = new object();
        return await _health.Breaker.ExecuteAsync(static (_, _) => ValueTask.FromResult(true), state, _caller.Token).ConfigureAwait(false);
    }

    [Benchmark(Description = "AttemptResources + 2x CancelAfter + dispose")]
    public bool Timeouts()
    {
        var resources = new AttemptResources(TimeProvider.System, _caller.Token);
        resources.Timeout.CancelAfter(TimeSpan.FromSeconds(100));
        resources.Timeout.CancelAfter(TimeSpan.FromSeconds(300));
        var cancelled = resources.Timeout.IsCancellationRequested;
        resources.Dispose();
        return cancelled;
    }

    [Benchmark(Description = "IHttpClientFactory.CreateClient")]
    public HttpClient CreateClient() => _clients.CreateClient(ModelRouterDefaults.HttpClientName);

    [Benchmark(Description = "LlmHealth IsCooling + TryEnter + CompleteAsync")]
    public async Task<bool> Health()
    {
        var now = TimeProvider.System.GetUtcNow();
        var cooling = _health.IsCooling(now, out _, out _);
        _health.TryEnter(now, out var trial);
        await _health.CompleteAsync(trial, healthy: true, null, CooldownReason.None).ConfigureAwait(false);
        return cooling;
    }
}
