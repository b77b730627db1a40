using System.Collections.Frozen;
using ModelRouter.Configuration;
using ModelRouter.Matching;
using ModelRouter.Selection;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>The compiled, immutable form of one configuration revision that requests read.</summary>
/// <remarks>A request reads the current snapshot once at its start and keeps it to its end.</remarks>
public sealed class RoutingSnapshot
{
    internal RoutingSnapshot(ModelRouterConfig config, FrozenDictionary<string, RouterSnapshot> routers, AppKeyIndex apps)
    {
        Config = config;
        Routers = routers;
        Apps = apps;
    }

    /// <summary>Gets the configuration this snapshot was compiled from.</summary>
    public ModelRouterConfig Config { get; }

    /// <summary>Gets the revision of <see cref="Config"/>.</summary>
    public string Revision => Config.Revision;

    /// <summary>Gets the compiled routers keyed by slug.</summary>
    public FrozenDictionary<string, RouterSnapshot> Routers { get; }

    internal AppKeyIndex Apps { get; }

    /// <summary>Finds a router by slug.</summary>
    public bool TryGetRouter(string slug, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouterSnapshot? router)
        => Routers.TryGetValue(slug, out router);
}

/// <summary>A compiled router.</summary>
public sealed class RouterSnapshot
{
    internal RouterSnapshot(RouterConfig config, PoolSnapshot[] pools)
    {
        Config = config;
        PoolArray = pools;
    }

    /// <summary>Gets the router's configuration.</summary>
    public RouterConfig Config { get; }

    /// <summary>Gets the router's slug.</summary>
    public string Slug => Config.Slug;

    /// <summary>Gets the pools sorted by descending priority, equal priorities in configuration order.</summary>
    public IReadOnlyList<PoolSnapshot> Pools => PoolArray;

    /// <summary>Gets the same pools as <see cref="Pools"/> as an array: a <c>foreach</c> over it allocates no enumerator.</summary>
    internal PoolSnapshot[] PoolArray { get; }

    /// <summary>Tells whether an instance of namespace <paramref name="instanceNamespace"/> serves this router.</summary>
    public bool IsServedIn(string instanceNamespace)
    {
        var namespaces = Config.Namespaces;
        if (namespaces.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < namespaces.Count; i++)
        {
            if (string.Equals(namespaces[i], instanceNamespace, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A compiled pool: its glob, its selector and its vendors.</summary>
public sealed class PoolSnapshot
{
    private object? _selectorState;

    internal PoolSnapshot(RouterConfig router, PoolConfig config, GlobPattern pattern, IVendorSelector selector, VendorSnapshot[] vendors, PoolSnapshot? previous = null)
    {
        RouterSlug = router.Slug;
        Config = config;
        Pattern = pattern;
        Selector = selector;
        Vendors = vendors;
        AvailableVendors = [.. vendors.Where(v => v.Config.Active && v.Config.Weight > 0)];
        for (var i = 0; i < AvailableVendors.Count; i++)
        {
            ((VendorSnapshot)AvailableVendors[i]).PoolIndex = i;
        }

        MaxAttempts = Math.Max(1, Math.Min(config.MaxAttempts ?? int.MaxValue, AvailableVendors.Count));

        // Selection state (a round-robin position, smooth-weighted counters) survives a reload when the pool's
        // selectable vendors are unchanged; any change starts it afresh, so that state never points at the wrong vendor.
        if (previous is not null && previous.Selector == selector && SameSelectableVendors(previous, this))
        {
            _selectorState = Volatile.Read(ref previous._selectorState);
        }
    }

    /// <summary>Gets the slug of the router this pool belongs to.</summary>
    public string RouterSlug { get; }

    /// <summary>Gets the pool's configuration.</summary>
    public PoolConfig Config { get; }

    /// <summary>Gets the pool's name.</summary>
    public string Name => Config.Name;

    /// <summary>Gets the compiled model pattern.</summary>
    public GlobPattern Pattern { get; }

    /// <summary>Gets the selector named by <see cref="PoolConfig.Algorithm"/>.</summary>
    public IVendorSelector Selector { get; }

    /// <summary>Gets every vendor in configuration order, including inactive ones.</summary>
    public IReadOnlyList<VendorSnapshot> Vendors { get; }

    /// <summary>Gets the vendors that may take traffic (active, weight above 0), in configuration order.</summary>
    /// <remarks><see cref="VendorSnapshot.PoolIndex"/> is the position in this list.</remarks>
    public IReadOnlyList<VendorSnapshot> AvailableVendors { get; }

    /// <summary>Gets the most vendors tried for one request.</summary>
    public int MaxAttempts { get; }

    private static bool SameSelectableVendors(PoolSnapshot a, PoolSnapshot b)
    {
        if (a.AvailableVendors.Count != b.AvailableVendors.Count)
        {
            return false;
        }

        for (var i = 0; i < a.AvailableVendors.Count; i++)
        {
            var x = a.AvailableVendors[i];
            var y = b.AvailableVendors[i];
            if (x.Llm.Id != y.Llm.Id || x.Weight != y.Weight)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the selector state attached to this pool, creating it on first use.</summary>
    /// <remarks>The state lives as long as the compiled pool: a configuration reload starts it afresh.</remarks>
    public T GetOrAddSelectorState<T>(Func<PoolSnapshot, T> factory)
        where T : class
    {
        if (Volatile.Read(ref _selectorState) is T state)
        {
            return state;
        }

        ArgumentNullException.ThrowIfNull(factory);
        var created = factory(this);
        return Interlocked.CompareExchange(ref _selectorState, created, null) as T ?? created;
    }
}

/// <summary>A compiled vendor of a pool.</summary>
public sealed class VendorSnapshot
{
    private readonly (string Source, string Target, byte[] Json)[] _mappings;

    internal VendorSnapshot(VendorConfig config, LlmSnapshot llm)
    {
        Config = config;
        Llm = llm;
        _mappings = [.. config.ModelMappings.Select(m => (m.Source, m.Target, Forwarding.ChatRequestBody.EncodeModel(m.Target)))];
        PoolIndex = -1;
    }

    /// <summary>Gets the vendor's configuration.</summary>
    public VendorConfig Config { get; }

    /// <summary>Gets the LLM this vendor sends requests to.</summary>
    public LlmSnapshot Llm { get; }

    /// <summary>Gets the vendor's position in <see cref="PoolSnapshot.AvailableVendors"/>, or -1 when it takes no traffic.</summary>
    public int PoolIndex { get; internal set; }

    /// <summary>Gets the vendor's weight.</summary>
    public int Weight => Config.Weight;

    /// <summary>Returns the model name to send to this vendor for <paramref name="requestedModel"/>.</summary>
    public string MapModel(string requestedModel)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                return mapping.Target;
            }
        }

        return requestedModel;
    }

    /// <summary>Finds the mapping of <paramref name="requestedModel"/> in one scan: the name to send and its quoted JSON form (empty when none applies).</summary>
    internal string Map(string requestedModel, out ReadOnlyMemory<byte> targetJson)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                targetJson = mapping.Json;
                return mapping.Target;
            }
        }

        targetJson = ReadOnlyMemory<byte>.Empty;
        return requestedModel;
    }

    /// <summary>Returns the mapped model for <paramref name="requestedModel"/> as a quoted JSON string, or empty when no mapping applies.</summary>
    public ReadOnlyMemory<byte> MapModelJson(string requestedModel)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                return mapping.Json;
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <inheritdoc/>
    public override string ToString() => Llm.Id;
}

/// <summary>A compiled LLM: its configuration, endpoint and protocol adapter.</summary>
public sealed class LlmSnapshot
{
    internal LlmSnapshot(LlmConfig config, IProviderAdapter adapter, Health.VendorHealth? health = null)
    {
        Config = config;
        Adapter = adapter;
        Health = health ?? new ModelRouter.Health.VendorHealth(config.Id, ModelRouter.Health.VendorHealthSettings.Default, TimeProvider.System);
        BaseUri = new Uri(config.BaseUrl.EndsWith('/') ? config.BaseUrl : config.BaseUrl + "/", UriKind.Absolute);
        HeadersTimeout = TimeSpan.FromSeconds(config.TimeoutSeconds);
        ConnectTimeout = TimeSpan.FromSeconds(config.ConnectTimeoutSeconds);
        StreamIdleTimeout = TimeSpan.FromSeconds(config.StreamIdleTimeoutSeconds);
    }

    /// <summary>Gets the LLM's configuration.</summary>
    public LlmConfig Config { get; }

    /// <summary>Gets the LLM's identifier.</summary>
    public string Id => Config.Id;

    /// <summary>Gets the base URL, always ending in <c>/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Gets the adapter that speaks this LLM's protocol.</summary>
    public IProviderAdapter Adapter { get; }

    internal Health.VendorHealth Health { get; }

    /// <summary>Gets the longest wait for a new connection.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>Gets the longest wait for response headers of one attempt.</summary>
    public TimeSpan HeadersTimeout { get; }

    /// <summary>Gets the longest silence allowed between two chunks of a stream.</summary>
    public TimeSpan StreamIdleTimeout { get; }

    /// <summary>Gets what masks this LLM's key and configured header values in text its vendor wrote; made on first use (error paths only).</summary>
    internal SecretScrubber Secrets => _secrets ??= SecretScrubber.For(Config);

    /// <inheritdoc/>
    public override string ToString() => Id;

    /// <summary>
    /// Masks this LLM's key and configured header values (and any long enough start of them) in a text its vendor wrote,
    /// such as an error message, before it goes on to a client, an exception or a log.
    /// </summary>
    /// <returns><paramref name="text"/> with every secret replaced by <c>********</c>; the same instance when it holds none.</returns>
    /// <remarks>Values shorter than 8 characters are not treated as secrets. Mask before cutting a text to a length limit.</remarks>
    public string? ScrubSecrets(string? text) => Secrets.Scrub(text);

    /// <summary>Resolves <paramref name="relative"/> against <see cref="BaseUri"/>, reusing the last result for the same path.</summary>
    /// <remarks>Adapters ask for the same endpoint on every request; a <see cref="Uri"/> is immutable, so one instance serves all of them.</remarks>
    internal Uri Resolve(string relative)
    {
        var last = Volatile.Read(ref _resolved);
        if (last is not null && string.Equals(last.Relative, relative, StringComparison.Ordinal))
        {
            return last.Uri;
        }

        var uri = new Uri(BaseUri, relative);
        Volatile.Write(ref _resolved, new ResolvedUri(relative, uri));
        return uri;
    }

    private ResolvedUri? _resolved;
    private SecretScrubber? _secrets;

    private sealed record ResolvedUri(string Relative, Uri Uri);
}
