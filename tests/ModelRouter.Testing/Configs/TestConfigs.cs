using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Routing;
using ModelRouter.Selection;
using ModelRouter.Upstream;
using ModelRouter.Validation;

namespace ModelRouter.Testing;

/// <summary>Small builders for configurations; every base URL is a loopback string that nothing ever dials.</summary>
internal static class TestConfigs
{
    public const string AppKey = "app-key-team-a-0001";
    public const string OtherAppKey = "app-key-team-b-0002";

    public static string BaseUrl(string llmId) => $"http://127.0.0.1:5101/{llmId}/v1";

    public static string ChatUrl(string llmId) => BaseUrl(llmId) + "/chat/completions";

    public static string KeyOf(string llmId) => $"sk-{llmId}-secret-9f8e7d";

    public static LlmConfig Llm(string id) => new() { Id = id, BaseUrl = BaseUrl(id), ApiKey = KeyOf(id) };

    public static VendorConfig Vendor(string llm, int weight = 1, bool active = true, params (string Source, string Target)[] mappings) => new()
    {
        Llm = llm,
        Weight = weight,
        Active = active,
        ModelMappings = [.. mappings.Select(m => new ModelMappingConfig { Source = m.Source, Target = m.Target })],
    };

    public static PoolConfig Pool(string name, string pattern, params VendorConfig[] vendors) => new()
    {
        Name = name,
        ModelPattern = pattern,
        Vendors = vendors,
    };

    /// <summary>A router "prod" with one pool "all" ('*', round_robin) over the given vendors, and two apps.</summary>
    public static ModelRouterConfig OnePool(params string[] llmIds)
        => OnePool(Pool("all", "*", [.. llmIds.Select(id => Vendor(id))]));

    public static ModelRouterConfig OnePool(PoolConfig pool)
    {
        var llmIds = pool.Vendors.Select(v => v.Llm).Distinct(StringComparer.Ordinal);
        return new ModelRouterConfig
        {
            Llms = [.. llmIds.Select(Llm)],
            Routers =
            [
                new RouterConfig { Slug = "prod", Pools = [pool] },
                new RouterConfig { Slug = "other", Pools = [Pool("other", "*", Vendor(pool.Vendors[0].Llm))] },
            ],
            Apps =
            [
                new AppConfig { Name = "team-a", ApiKey = AppKey, Routers = ["prod"] },
                new AppConfig { Name = "team-b", ApiKey = OtherAppKey, Routers = ["other"] },
            ],
        };
    }

    public static RoutingSnapshotCompiler Compiler() => new();

    public static ModelRouterConfigValidator Validator(params IVendorSelector[] extraSelectors)
        => new([new RoundRobinVendorSelector(), new WeightedVendorSelector(), .. extraSelectors], [new OpenAIProviderAdapter()]);

    /// <summary>Compiles a single pool and returns it.</summary>
    public static PoolSnapshot CompilePool(PoolConfig pool)
    {
        var config = OnePool(pool);
        Assert.That(Validator().Validate(config), Is.Empty, "test configuration must be valid");
        return Compiler().Compile(config).Routers["prod"].Pools[0];
    }
}
