using System.Text.Json;
using System.Text.Json.Serialization;
using ModelRouter.Configuration;

namespace ModelRouter.Serialization;

/// <summary>The configuration records in their file shape (camelCase), for stores and the admin API.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(LlmConfig))]
[JsonSerializable(typeof(RouterConfig))]
[JsonSerializable(typeof(AppConfig))]
[JsonSerializable(typeof(ModelRouterConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext
{
    /// <summary>Gets a context that writes apostrophes and angle brackets as they are: these bodies are API JSON, never HTML.</summary>
    public static ConfigJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>Replaces the <see langword="null"/> lists and strings that JSON can carry with the records' defaults.</summary>
internal static class ConfigNormalizer
{
    public static ModelRouterConfig Normalize(ModelRouterConfig config) => config with
    {
        Revision = config.Revision ?? "",
        Llms = [.. (config.Llms ?? []).Where(l => l is not null).Select(Normalize)],
        Routers = [.. (config.Routers ?? []).Where(r => r is not null).Select(Normalize)],
        Apps = [.. (config.Apps ?? []).Where(a => a is not null).Select(Normalize)],
    };

    public static LlmConfig Normalize(LlmConfig llm) => llm with
    {
        Id = llm.Id ?? "",
        Provider = llm.Provider ?? ProviderKinds.OpenAI,
        BaseUrl = llm.BaseUrl ?? "",
        Headers = [.. (llm.Headers ?? []).Where(h => h is not null).Select(h => h with { Name = h.Name ?? "", Value = h.Value ?? "" })],
    };

    public static RouterConfig Normalize(RouterConfig router) => router with
    {
        Slug = router.Slug ?? "",
        Name = router.Name ?? "",
        Description = router.Description ?? "",
        Namespaces = [.. (router.Namespaces ?? []).OfType<string>()],
        Pools = [.. (router.Pools ?? []).Where(p => p is not null).Select(p => p with
        {
            Name = p.Name ?? "",
            ModelPattern = p.ModelPattern ?? "*",
            Algorithm = p.Algorithm ?? Selection.VendorSelectors.RoundRobin,
            Vendors = [.. (p.Vendors ?? []).Where(v => v is not null).Select(v => v with
            {
                Llm = v.Llm ?? "",
                ModelMappings = [.. (v.ModelMappings ?? []).Where(m => m is not null).Select(m => m with { Source = m.Source ?? "", Target = m.Target ?? "" })],
            })],
        })],
    };

    public static AppConfig Normalize(AppConfig app) => app with
    {
        Name = app.Name ?? "",
        ApiKey = app.ApiKey ?? "",
        Routers = [.. (app.Routers ?? []).OfType<string>()],
    };
}
