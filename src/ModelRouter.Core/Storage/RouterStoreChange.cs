using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>One change to a writable store; create instances with the static methods.</summary>
public sealed class RouterStoreChange
{
    private RouterStoreChange(RouterStoreChangeKind kind, RouterStoreItemKind itemKind, string key, object? item, string? expectedRevision)
    {
        Kind = kind;
        ItemKind = itemKind;
        Key = key;
        Item = item;
        ExpectedRevision = expectedRevision;
    }

    /// <summary>Gets what the change does.</summary>
    public RouterStoreChangeKind Kind { get; }

    /// <summary>Gets the kind of item changed (meaningless for <see cref="RouterStoreChangeKind.Import"/>).</summary>
    public RouterStoreItemKind ItemKind { get; }

    /// <summary>Gets the id, slug or name of the item changed.</summary>
    public string Key { get; }

    /// <summary>Gets the new item, the <see cref="ModelRouterConfig"/> of an import, or <see langword="null"/> for a delete.</summary>
    public object? Item { get; }

    /// <summary>Gets the revision the item must still have, or <see langword="null"/> to skip the check (<c>If-Match</c>).</summary>
    public string? ExpectedRevision { get; }

    /// <summary>
    /// Gets a value indicating whether a replaced LLM or app keeps its stored key when the new item has none, and an
    /// LLM keeps the stored value of each header whose new value is empty. An LLM whose baseUrl moves to another
    /// scheme, host or port keeps neither: the change is refused (<see cref="RouterStoreError.Invalid"/>, naming
    /// <c>apiKey</c> or the header's <c>value</c>) until it sends them again.
    /// </summary>
    /// <value>The default is <see langword="true"/>: keys and header values are write-only, so a client that read an item cannot send them back.</value>
    public bool KeepStoredKeys { get; init; } = true;

    /// <summary>Returns the same change with <see cref="KeepStoredKeys"/> off: the item's keys are written as it has them (a rotation, a revocation).</summary>
    internal RouterStoreChange WithoutKeptKeys() => new(Kind, ItemKind, Key, Item, ExpectedRevision) { KeepStoredKeys = false };

    /// <summary>Adds an LLM.</summary>
    public static RouterStoreChange CreateLlm(LlmConfig llm) => new(RouterStoreChangeKind.Create, RouterStoreItemKind.Llm, NotNull(llm).Id, llm, null);

    /// <summary>Replaces the LLM with <paramref name="id"/>; the new item's id must be the same.</summary>
    public static RouterStoreChange ReplaceLlm(string id, LlmConfig llm, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Replace, RouterStoreItemKind.Llm, id, NotNull(llm), expectedRevision);

    /// <summary>Removes an LLM; refused while a router uses it.</summary>
    public static RouterStoreChange DeleteLlm(string id, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Delete, RouterStoreItemKind.Llm, id, null, expectedRevision);

    /// <summary>Adds a router.</summary>
    public static RouterStoreChange CreateRouter(RouterConfig router) => new(RouterStoreChangeKind.Create, RouterStoreItemKind.Router, NotNull(router).Slug, router, null);

    /// <summary>Replaces the router with <paramref name="slug"/>; the new item's slug must be the same.</summary>
    public static RouterStoreChange ReplaceRouter(string slug, RouterConfig router, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Replace, RouterStoreItemKind.Router, slug, NotNull(router), expectedRevision);

    /// <summary>Removes a router.</summary>
    public static RouterStoreChange DeleteRouter(string slug, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Delete, RouterStoreItemKind.Router, slug, null, expectedRevision);

    /// <summary>Adds an app.</summary>
    public static RouterStoreChange CreateApp(AppConfig app) => new(RouterStoreChangeKind.Create, RouterStoreItemKind.App, NotNull(app).Name, app, null);

    /// <summary>Replaces the app with <paramref name="name"/>; the new item's name must be the same.</summary>
    public static RouterStoreChange ReplaceApp(string name, AppConfig app, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Replace, RouterStoreItemKind.App, name, NotNull(app), expectedRevision);

    /// <summary>Removes an app.</summary>
    public static RouterStoreChange DeleteApp(string name, string? expectedRevision = null)
        => new(RouterStoreChangeKind.Delete, RouterStoreItemKind.App, name, null, expectedRevision);

    /// <summary>Replaces everything the store holds with <paramref name="config"/>.</summary>
    /// <remarks>
    /// An LLM or app without a key keeps the key stored under the same id or name, so an export can be imported back;
    /// an LLM whose baseUrl moves to another scheme, host or port must send its key and header values again.
    /// </remarks>
    public static RouterStoreChange Import(ModelRouterConfig config) => new(RouterStoreChangeKind.Import, RouterStoreItemKind.Router, "", NotNull(config), null);

    private static T NotNull<T>(T value)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        return value;
    }
}
