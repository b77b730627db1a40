using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Testing;

/// <summary>Valid items and the default validator.</summary>
internal static class TestData
{
    public static IModelRouterConfigValidator Validator { get; } =
        new ServiceCollection().AddModelRouter().Services.BuildServiceProvider().GetRequiredService<IModelRouterConfigValidator>();

    public static LlmConfig Llm(string id, string baseUrl = "http://127.0.0.1:9/v1", string? apiKey = null)
        => new() { Id = id, BaseUrl = baseUrl, ApiKey = apiKey };

    public static RouterConfig Router(string slug, params string[] llms) => new()
    {
        Slug = slug,
        Name = slug,
        Pools = [new PoolConfig { Name = "all", Vendors = [.. llms.Select(l => new VendorConfig { Llm = l })] }],
    };

    public static AppConfig App(string name, string apiKey, params string[] routers) => new() { Name = name, ApiKey = apiKey, Routers = routers };
}
