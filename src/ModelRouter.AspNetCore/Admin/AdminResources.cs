using System.Text.Json.Serialization.Metadata;
using ModelRouter.Configuration;
using ModelRouter.Serialization;
using ModelRouter.Storage;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>
/// Describes one resource of the admin API: how to key, write, mask and change it, and how to read it: a body is checked
/// against the document <c>Shape</c> (<see cref="AdminJsonShape"/>), then <c>Read</c> into the item with its defaults.
/// </summary>
internal sealed record AdminResource<T>(
    string Segment,
    string Noun,
    Func<T, string> KeyOf,
    JsonTypeInfo<T> TypeInfo,
    JsonTypeInfo<AdminPage<T>> PageInfo,
    JsonTypeInfo Shape,
    Func<ReadOnlyMemory<byte>, T> Read,
    Func<RouterStoreContents, IReadOnlyList<StoredItem<T>>> ItemsOf,
    Func<T, T> Mask,
    Func<T, T> Unmask,
    Func<T, RouterStoreChange> Create,
    Func<string, T, string?, RouterStoreChange> Replace,
    Func<string, string?, RouterStoreChange> Delete)
    where T : class;

/// <summary>The resources of the admin API and how each is keyed, read, masked and changed.</summary>
internal static class AdminResources
{
    /// <summary>What a read returns instead of a key or header value: both are write-only. Sending it back keeps the stored value.</summary>
    public const string MaskedKey = "********";

    public static readonly AdminResource<LlmConfig> Llms = new(
        "llms", "LLM", l => l.Id, ConfigJsonContext.Relaxed.LlmConfig, ConfigJsonContext.Relaxed.AdminPageLlmConfig,
        ConfigJsonContext.Default.LlmDocument, b => ConfigDocuments.Read(b.Span, ConfigJsonContext.Default.LlmDocument).ToConfig(), c => c.Llms,
        MaskLlm, UnmaskLlm,
        RouterStoreChange.CreateLlm, (k, l, r) => RouterStoreChange.ReplaceLlm(k, l, r), (k, r) => RouterStoreChange.DeleteLlm(k, r));

    public static readonly AdminResource<RouterConfig> Routers = new(
        "routers", "router", r => r.Slug, ConfigJsonContext.Relaxed.RouterConfig, ConfigJsonContext.Relaxed.AdminPageRouterConfig,
        ConfigJsonContext.Default.RouterDocument, b => ConfigDocuments.Read(b.Span, ConfigJsonContext.Default.RouterDocument).ToConfig(), c => c.Routers,
        r => r, r => r,
        RouterStoreChange.CreateRouter, (k, x, r) => RouterStoreChange.ReplaceRouter(k, x, r), (k, r) => RouterStoreChange.DeleteRouter(k, r));

    public static readonly AdminResource<AppConfig> Apps = new(
        "apps", "app", a => a.Name, ConfigJsonContext.Relaxed.AppConfig, ConfigJsonContext.Relaxed.AdminPageAppConfig,
        ConfigJsonContext.Default.AppDocument, b => ConfigDocuments.Read(b.Span, ConfigJsonContext.Default.AppDocument).ToConfig(), c => c.Apps,
        MaskApp, UnmaskApp,
        RouterStoreChange.CreateApp, (k, a, r) => RouterStoreChange.ReplaceApp(k, a, r), (k, r) => RouterStoreChange.DeleteApp(k, r));

    public static ModelRouterConfig MaskAll(ModelRouterConfig config) => config with
    {
        Llms = [.. config.Llms.Select(Llms.Mask)],
        Apps = [.. config.Apps.Select(Apps.Mask)],
    };

    /// <summary>Hides whether and how the app has a key: the mask stands for its key, the hashes are left out.</summary>
    private static AppConfig MaskApp(AppConfig app) => app with
    {
        ApiKey = AppKeys.HasKey(app) ? MaskedKey : "",
        ApiKeyHash = null,
        PreviousApiKeyHash = null,
    };

    /// <summary>Turns the mask sent back into "keep the stored key"; key hashes come only from the router (create, rotate), never from a body.</summary>
    private static AppConfig UnmaskApp(AppConfig app) => app with
    {
        ApiKey = app.ApiKey == MaskedKey ? "" : app.ApiKey,
        ApiKeyHash = null,
        PreviousApiKeyHash = null,
        PreviousApiKeyExpiresAt = null,
    };

    /// <summary>Hides the key and every header value: headers such as Authorization or an organization id are credentials too.</summary>
    private static LlmConfig MaskLlm(LlmConfig llm) => llm with
    {
        ApiKey = string.IsNullOrEmpty(llm.ApiKey) ? null : MaskedKey,
        Headers = [.. llm.Headers.Select(h => h with { Value = string.IsNullOrEmpty(h.Value) ? "" : MaskedKey })],
    };

    /// <summary>Turns masks sent back into "keep the stored value" (an empty key or header value) for the store.</summary>
    private static LlmConfig UnmaskLlm(LlmConfig llm) => llm with
    {
        ApiKey = llm.ApiKey == MaskedKey ? null : llm.ApiKey,
        Headers = [.. llm.Headers.Select(h => h.Value == MaskedKey ? h with { Value = "" } : h)],
    };
}
