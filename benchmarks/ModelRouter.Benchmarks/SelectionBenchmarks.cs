using BenchmarkDotNet.Attributes;
using ModelRouter.Model;
using ModelRouter.Selection;

namespace ModelRouter.Benchmarks;

/// <summary>
/// Vendor selection in one pool, both built-in algorithms, with every vendor eligible and after a failed first
/// attempt. Baseline: an interlocked counter modulo the vendor count, the least a thread-safe rotation can cost.
/// </summary>
[MemoryDiagnoser]
public class SelectionBenchmarks
{
    private PoolSnapshot _pool = null!;
    private IVendorSelector _selector = null!;
    private VendorSnapshot[] _vendors = null!;
    private VendorCandidates _oneTried;
    private int _next;

    /// <summary>Gets or sets how many vendors the pool has.</summary>
    [Params(2, 16)]
    public int Vendors { get; set; }

    /// <summary>Gets or sets the selection algorithm.</summary>
    [Params(VendorSelectors.RoundRobin, VendorSelectors.Weighted)]
    public string Algorithm { get; set; } = VendorSelectors.RoundRobin;

    [GlobalSetup]
    public void Setup()
    {
        var router = BenchmarkSnapshots.Compile(BenchmarkSnapshots.RouterWithPools(1, Vendors, Algorithm)).Routers[BenchmarkSnapshots.RouterSlug];
        _pool = router.Pools[0];
        _selector = BenchmarkSnapshots.Selectors.For(_pool);
        _vendors = [.. _pool.AvailableVendors];
        var tried = default(VendorSet);
        tried.Add(0);
        _oneTried = new VendorCandidates(tried);
    }

    [Benchmark(Baseline = true, Description = "Interlocked modulo pick")]
    public VendorSnapshot ModuloPick() => _vendors[(uint)Interlocked.Increment(ref _next) % (uint)_vendors.Length];

    [Benchmark(Description = "SelectVendor, all eligible")]
    public VendorSnapshot? SelectVendor() => _selector.SelectVendor(_pool, default);

    [Benchmark(Description = "SelectVendor, first one tried")]
    public VendorSnapshot? SelectVendorAfterFailure() => _selector.SelectVendor(_pool, _oneTried);
}
