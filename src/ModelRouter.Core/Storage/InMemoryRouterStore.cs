using System.Globalization;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>
/// A store that holds the configuration in memory: writable item by item through <see cref="IWritableRouterStore"/>,
/// or swapped whole with <see cref="Update"/>. Every change signals the change token. Nothing survives the process.
/// App keys given in plaintext are kept as their hashes only.
/// </summary>
public sealed class InMemoryRouterStore : IWritableRouterStore
{
    private readonly Lock _writeLock = new();
    private readonly ChangeSignal _changed = new();
    private State _state;

    /// <summary>Creates a store with an initial configuration.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is <see langword="null"/>.</exception>
    public InMemoryRouterStore(ModelRouterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _state = Create(config, 1);
    }

    /// <summary>Creates an empty store.</summary>
    public InMemoryRouterStore()
        : this(new ModelRouterConfig())
    {
    }

    /// <inheritdoc/>
    public ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default) => new(Volatile.Read(ref _state).Config);

    /// <inheritdoc/>
    public IChangeToken GetChangeToken() => _changed.GetToken();

    /// <inheritdoc/>
    public ValueTask<RouterStoreContents> ReadAsync(CancellationToken cancellationToken = default) => new(Volatile.Read(ref _state).Contents);

    /// <inheritdoc/>
    public Task<RouterStoreContents> ApplyAsync(RouterStoreChange change, IModelRouterConfigValidator validator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(validator);
        cancellationToken.ThrowIfCancellationRequested();
        RouterStoreContents contents;
        lock (_writeLock)
        {
            var write = RouterStoreChangeApplier.Apply(_state.Contents, change, validator);
            contents = write.Contents;
            Volatile.Write(ref _state, new State(contents.ToConfig(), contents));
        }

        _changed.Fire();
        return Task.FromResult(contents);
    }

    /// <summary>Replaces the whole configuration without validation and signals the change.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is <see langword="null"/>.</exception>
    public void Update(ModelRouterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_writeLock)
        {
            Volatile.Write(ref _state, Create(config, RouterStoreChangeApplier.ParseRevision(_state.Contents.Revision) + 1));
        }

        _changed.Fire();
    }

    private static State Create(ModelRouterConfig config, long number)
    {
        var tag = number.ToString(CultureInfo.InvariantCulture);

        // Like every store, memory keeps only the hashes of app keys.
        if (config.Apps.Any(a => !string.IsNullOrEmpty(a.ApiKey)))
        {
            config = config with { Apps = [.. config.Apps.Select(AppKeys.HashPlaintext)] };
        }

        var contents = new RouterStoreContents
        {
            Revision = tag,
            Llms = [.. config.Llms.Select(l => new StoredItem<LlmConfig>(l, tag))],
            Routers = [.. config.Routers.Select(r => new StoredItem<RouterConfig>(r, tag))],
            Apps = [.. config.Apps.Select(a => new StoredItem<AppConfig>(a, tag))],
        };
        // The store owns revisions: a configuration read back and edited still carries the old one, and keeping it
        // would make the router treat the change as unchanged and silently drop it.
        return new State(config with { Revision = tag }, contents);
    }

    private sealed record State(ModelRouterConfig Config, RouterStoreContents Contents);
}
