using BenchmarkDotNet.Attributes;
using ModelRouter.Configuration;
using ModelRouter.Matching;
using ModelRouter.Model;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The routing decision as the number of routers grows: the scale run's configuration (each router 3 pools x 3
/// vendors, apps of 10 routers, app keys required) with 10 or 10,000 routers, a request to the first or the last
/// router. One decision: the app key and router looked up and checked, the pool matched, a vendor picked, the model
/// mapped. It should not depend on how many routers there are, nor on which one is asked for.
/// </summary>
[MemoryDiagnoser]
public class RouterCountBenchmarks
{
    private readonly GlobPoolMatcher _matcher = new();
    private readonly ModelRouterOptions _settings = new() { RequireAppKey = true };
    private RoutingSnapshot _snapshot = null!;
    private string _slug = null!;
    private string _appKey = null!;
    private string _model = null!;

    /// <summary>Gets or sets how many routers the configuration has.</summary>
    [Params(10, 10_000)]
    public int Routers { get; set; }

    /// <summary>Gets or sets which router the request asks for: the first or the last one.</summary>
    [Params("first", "last")]
    public string Router { get; set; } = "first";

    [GlobalSetup]
    public void Setup()
    {
        var config = ScaleRun.Generate(Routers);
        _snapshot = BenchmarkSnapshots.Compile(config);
        var router = Router == "first" ? config.Routers[0] : config.Routers[^1];
        var app = config.Apps.First(a => a.Routers.Contains(router.Slug, StringComparer.Ordinal));

        // Fresh strings, as the request parser produces them: interned literals would compare by reference.
        _slug = new string(router.Slug.AsSpan());
        _appKey = new string(app.ApiKey.AsSpan());
        _model = new string("gpt-4o".AsSpan());
    }

    [Benchmark(Description = "Decision: app key + router + match + select + map")]
    public int Decision()
    {
        var router = RouterAccess.Authorize(_snapshot, _settings, _slug, _appKey, TimeProvider.System, out _);
        var pool = _matcher.Match(router, _model)!;
        var vendor = BenchmarkSnapshots.Selectors.For(pool).SelectVendor(pool, default)!;
        return vendor.MapModelJson(_model).Length;
    }
}
