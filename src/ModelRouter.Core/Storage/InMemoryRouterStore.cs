using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>A store that holds the configuration in memory; <see cref="Update"/> swaps it and signals the change.</summary>
public sealed class InMemoryRouterStore : IRouterStore
{
    private State _state;

    /// <summary>Creates a store with an initial configuration.</summary>
    public InMemoryRouterStore(ModelRouterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _state = new State(WithRevision(config, 1), 1, new CancellationTokenSource());
    }

    /// <inheritdoc/>
    public ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default) => new(Volatile.Read(ref _state).Config);

    /// <inheritdoc/>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _state).Changed.Token);

    /// <summary>Replaces the configuration and signals the change.</summary>
    public void Update(ModelRouterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        State old;
        State next;
        do
        {
            old = Volatile.Read(ref _state);
            // A configuration read back from this store and edited still carries the current revision; keeping it
            // would make the provider treat the change as "unchanged" and silently drop it.
            var candidate = config.Revision == old.Config.Revision ? config with { Revision = "" } : config;
            next = new State(WithRevision(candidate, old.Number + 1), old.Number + 1, new CancellationTokenSource());
        }
        while (Interlocked.CompareExchange(ref _state, next, old) != old);

        old.Changed.Cancel();
        old.Changed.Dispose();
    }

    private static ModelRouterConfig WithRevision(ModelRouterConfig config, long number)
        => string.IsNullOrEmpty(config.Revision) ? config with { Revision = number.ToString(System.Globalization.CultureInfo.InvariantCulture) } : config;

    private sealed record State(ModelRouterConfig Config, long Number, CancellationTokenSource Changed);
}
