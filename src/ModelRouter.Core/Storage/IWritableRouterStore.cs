using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>
/// A store whose LLMs, routers and apps can be changed one at a time, each carrying its own revision for optimistic
/// concurrency, with referential rules and whole-configuration validation applied before anything is written.
/// </summary>
/// <remarks>
/// Implementations must be thread-safe and apply each change atomically: the check of revisions and rules, the
/// validation of the resulting configuration and the write happen as one step, so concurrent writers never lose an
/// update silently. A change is durable when <see cref="ApplyAsync"/> returns. After a successful change the store
/// signals its change token.
/// </remarks>
public interface IWritableRouterStore : IRouterStore
{
    /// <summary>Reads every item with its revision.</summary>
    /// <exception cref="RouterStoreUnavailableException">The store cannot be reached now; the same call may succeed later.</exception>
    ValueTask<RouterStoreContents> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies one change atomically and returns the contents right after it.</summary>
    /// <param name="change">The change, for example <see cref="RouterStoreChange.CreateRouter"/>.</param>
    /// <param name="validator">Validates the whole resulting configuration before it is written.</param>
    /// <param name="cancellationToken">Cancels the change before it is committed.</param>
    /// <exception cref="RouterStoreException">The change breaks a rule: see <see cref="RouterStoreException.Error"/>.</exception>
    /// <exception cref="RouterStoreUnavailableException">The store cannot be reached now; if it failed before the commit, nothing was changed.</exception>
    Task<RouterStoreContents> ApplyAsync(RouterStoreChange change, IRouterConfigValidator validator, CancellationToken cancellationToken = default);
}

/// <summary>An item of a store with its revision.</summary>
/// <typeparam name="T">The item type: <see cref="LlmConfig"/>, <see cref="RouterConfig"/> or <see cref="AppConfig"/>.</typeparam>
/// <param name="Item">The item.</param>
/// <param name="Revision">An opaque value that changes whenever the item is written; the HTTP ETag.</param>
public sealed record StoredItem<T>(T Item, string Revision)
    where T : class;

/// <summary>Everything a writable store holds, with the revision of each item.</summary>
public sealed record RouterStoreContents
{
    /// <summary>Gets or sets the revision of the whole store; it changes with every write.</summary>
    public string Revision { get; init; } = "";

    /// <summary>Gets or sets the LLMs.</summary>
    public IReadOnlyList<StoredItem<LlmConfig>> Llms { get; init; } = [];

    /// <summary>Gets or sets the routers.</summary>
    public IReadOnlyList<StoredItem<RouterConfig>> Routers { get; init; } = [];

    /// <summary>Gets or sets the apps.</summary>
    public IReadOnlyList<StoredItem<AppConfig>> Apps { get; init; } = [];

    /// <summary>Returns the LLM with this id (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<LlmConfig>? FindLlm(string id) => Llms.FirstOrDefault(l => string.Equals(l.Item.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the router with this slug (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<RouterConfig>? FindRouter(string slug) => Routers.FirstOrDefault(r => string.Equals(r.Item.Slug, slug, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the app with this name (case-insensitive), or <see langword="null"/>.</summary>
    public StoredItem<AppConfig>? FindApp(string name) => Apps.FirstOrDefault(a => string.Equals(a.Item.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the contents as one configuration, the shape routing and export use.</summary>
    public ModelRouterConfig ToConfig() => new()
    {
        Revision = Revision,
        Llms = [.. Llms.Select(l => l.Item)],
        Routers = [.. Routers.Select(r => r.Item)],
        Apps = [.. Apps.Select(a => a.Item)],
    };
}

/// <summary>The kinds of item a store holds.</summary>
public enum RouterStoreItemKind
{
    /// <summary>An <see cref="LlmConfig"/>, keyed by id.</summary>
    Llm,

    /// <summary>A <see cref="RouterConfig"/>, keyed by slug.</summary>
    Router,

    /// <summary>An <see cref="AppConfig"/>, keyed by name.</summary>
    App,
}

/// <summary>What a change does to its item.</summary>
public enum RouterStoreChangeKind
{
    /// <summary>Adds an item that must not exist yet.</summary>
    Create,

    /// <summary>Replaces an item that must exist.</summary>
    Replace,

    /// <summary>Removes an item that must exist.</summary>
    Delete,

    /// <summary>Replaces everything the store holds.</summary>
    Import,
}

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

/// <summary>Why a store refused a change.</summary>
public enum RouterStoreError
{
    /// <summary>The item does not exist (HTTP 404).</summary>
    NotFound,

    /// <summary>An item with that key already exists (HTTP 409).</summary>
    AlreadyExists,

    /// <summary>The item changed since the expected revision was read (HTTP 412).</summary>
    RevisionMismatch,

    /// <summary>The item is still referenced, for example an LLM used by routers (HTTP 409).</summary>
    InUse,

    /// <summary>The resulting configuration is invalid; <see cref="RouterStoreException.Errors"/> lists every problem (HTTP 400).</summary>
    Invalid,

    /// <summary>The store cannot be written, for example configuration files (HTTP 405).</summary>
    ReadOnly,
}

/// <summary>A change a store refused, with the reason and every problem found.</summary>
public sealed class RouterStoreException : Exception
{
    private readonly IReadOnlyList<RouterConfigError>? _fieldErrors;

    /// <summary>Creates the exception.</summary>
    public RouterStoreException(RouterStoreError error, string message, IReadOnlyList<string>? errors = null)
        : base(message)
    {
        Error = error;
        Errors = errors ?? [message];
    }

    /// <summary>Creates the exception for an invalid change, naming the field of each problem.</summary>
    /// <param name="error">Why the change was refused, usually <see cref="RouterStoreError.Invalid"/>.</param>
    /// <param name="message">The summary.</param>
    /// <param name="fieldErrors">Every problem found, each with the path of its field in the validated configuration.</param>
    public RouterStoreException(RouterStoreError error, string message, IReadOnlyList<RouterConfigError> fieldErrors)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(fieldErrors);
        Error = error;
        _fieldErrors = fieldErrors;
        Errors = [.. fieldErrors.Select(e => e.Message)];
    }

    /// <summary>Creates the exception.</summary>
    public RouterStoreException()
        : this(RouterStoreError.Invalid, "The change was refused.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RouterStoreException(string message)
        : this(RouterStoreError.Invalid, message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public RouterStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = RouterStoreError.Invalid;
        Errors = [message];
    }

    /// <summary>Gets why the change was refused.</summary>
    public RouterStoreError Error { get; }

    /// <summary>Gets every problem found; for <see cref="RouterStoreError.InUse"/>, one message per referencing item.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets every problem found with the path of its field; paths are empty where the reporter named no field.</summary>
    public IReadOnlyList<RouterConfigError> FieldErrors => _fieldErrors ?? [.. Errors.Select(e => new RouterConfigError("", e))];

    /// <summary>Gets the path of the changed item in the validated configuration (for example <c>routers[3]</c>), or <see langword="null"/> for an import.</summary>
    /// <remarks>Lets an API report the paths of <see cref="FieldErrors"/> relative to the item it was sent.</remarks>
    public string? ItemPath { get; init; }

    /// <summary>Gets the keys of the items that still reference the item, for <see cref="RouterStoreError.InUse"/>.</summary>
    public IReadOnlyList<string> ReferencedBy { get; init; } = [];
}
