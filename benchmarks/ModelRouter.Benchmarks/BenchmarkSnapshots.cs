using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Routing;
using ModelRouter.Selection;
using ModelRouter.Upstream;
using ModelRouter.Validation;

namespace ModelRouter.Benchmarks;

/// <summary>Builds compiled snapshots the way the router does, through <see cref="RoutingSnapshotCompiler"/>.</summary>
internal static class BenchmarkSnapshots
{
    public const string RouterSlug = "bench";

    /// <summary>The built-in selectors, as the router looks them up for each request.</summary>
    public static VendorSelectorRegistry Selectors { get; } = new([new RoundRobinVendorSelector(), new WeightedVendorSelector()]);

    public static RoutingSnapshot Compile(ModelRouterConfig config)
    {
        IVendorSelector[] selectors = [new RoundRobinVendorSelector(), new WeightedVendorSelector()];
        IProviderAdapter[] adapters = [new OpenAIProviderAdapter()];
        var compiler = new RoutingSnapshotCompiler();
        var errors = new ModelRouterConfigValidator(selectors, adapters).Validate(config);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid benchmark configuration: " + string.Join("; ", errors));
        }

        return compiler.Compile(config);
    }

    /// <summary>
    /// A router whose pools mix the three glob shapes (prefix, exact, class), each matching nothing the benchmarks ask
    /// for, followed by a last pool <c>gpt-4*</c>: asking for <c>gpt-4o</c> walks every pool (the worst case).
    /// </summary>
    public static ModelRouterConfig RouterWithPools(int poolCount, int vendorsPerPool = 2, string algorithm = VendorSelectors.RoundRobin)
    {
        var llms = Enumerable.Range(0, Math.Max(vendorsPerPool, 1))
            .Select(i => new LlmConfig { Id = $"llm-{i}", BaseUrl = $"http://127.0.0.1:{9000 + i}/v1" })
            .ToArray();
        var pools = new List<PoolConfig>();
        for (var i = 0; i < poolCount - 1; i++)
        {
            var pattern = (i % 3) switch
            {
                0 => $"family{i}-*",
                1 => $"family{i}-large",
                _ => $"family{i}-v[0-9]*",
            };
            pools.Add(Pool($"pool-{i}", pattern, poolCount - i, vendorsPerPool, algorithm));
        }

        pools.Add(Pool("gpt", "gpt-4*", 0, vendorsPerPool, algorithm));
        return new ModelRouterConfig
        {
            Revision = "bench",
            Llms = llms,
            Routers = [new RouterConfig { Slug = RouterSlug, Name = "Bench", Pools = pools }],
        };
    }

    private static PoolConfig Pool(string name, string pattern, int priority, int vendors, string algorithm) => new()
    {
        Name = name,
        ModelPattern = pattern,
        Priority = priority,
        Algorithm = algorithm,
        Vendors = [.. Enumerable.Range(0, vendors).Select(v => new VendorConfig
        {
            Llm = $"llm-{v}",
            Weight = (v % 3) + 1,
            ModelMappings =
            [
                new ModelMappingConfig { Source = "gpt-4", Target = "gpt-4-0613" },
                new ModelMappingConfig { Source = "gpt-4o", Target = "gpt-4o-2024-08-06" },
                new ModelMappingConfig { Source = "gpt-4o-mini", Target = "gpt-4o-mini-2024-07-18" },
            ],
        })],
    };
}
