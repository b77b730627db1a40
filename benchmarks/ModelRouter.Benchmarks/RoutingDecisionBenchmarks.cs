using BenchmarkDotNet.Attributes;
using ModelRouter.Model;
using ModelRouter.Selection;
using ModelRouter.Matching;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The per-request routing decision: find the pool for the model (walking every pool: the match is the last one),
/// pick a vendor, look up its model mapping. Baseline: one dictionary lookup of the model, the cheapest conceivable
/// "routing table".
/// </summary>
[MemoryDiagnoser]
public class RoutingDecisionBenchmarks
{
    private readonly GlobPoolMatcher _matcher = new();
    private RouterSnapshot _router = null!;
    private PoolSnapshot _pool = null!;
    private VendorSnapshot _vendor = null!;
    private IVendorSelector _selector = null!;
    private Dictionary<string, PoolSnapshot> _poolByModel = null!;
    private string _model = null!;

    /// <summary>Gets or sets how many pools the router has.</summary>
    [Params(10, 200)]
    public int Pools { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _router = BenchmarkSnapshots.Compile(BenchmarkSnapshots.RouterWithPools(Pools)).Routers[BenchmarkSnapshots.RouterSlug];

        // A fresh string, as the body parser produces: an interned literal would let every comparison stop at "same reference".
        _model = new string("gpt-4o".AsSpan());
        _pool = _matcher.Match(_router, _model) ?? throw new InvalidOperationException("no pool matched");
        _vendor = _pool.AvailableVendors[0];
        _selector = BenchmarkSnapshots.Selectors.For(_pool);
        _poolByModel = new Dictionary<string, PoolSnapshot>(StringComparer.Ordinal);
        for (var i = 0; i < Pools - 1; i++)
        {
            _poolByModel[$"family{i}-large"] = _router.Pools[i];
        }

        _poolByModel["gpt-4o"] = _pool;
    }

    [Benchmark(Baseline = true, Description = "Dictionary<string, Pool> lookup")]
    public PoolSnapshot? DictionaryLookup() => _poolByModel.TryGetValue(_model, out var pool) ? pool : null;

    [Benchmark(Description = "GlobPoolMatcher.Match")]
    public PoolSnapshot? Match() => _matcher.Match(_router, _model);

    [Benchmark(Description = "SelectVendor (round_robin, 2)")]
    public VendorSnapshot? Select() => _selector.SelectVendor(_pool, default);

    [Benchmark(Description = "VendorSnapshot.MapModelJson")]
    public int Map() => _vendor.MapModelJson(_model).Length;

    [Benchmark(Description = "Decision: match + select + map")]
    public int Decision()
    {
        var pool = _matcher.Match(_router, _model)!;
        var vendor = BenchmarkSnapshots.Selectors.For(pool).SelectVendor(pool, default)!;
        return vendor.MapModelJson(_model).Length;
    }
}
