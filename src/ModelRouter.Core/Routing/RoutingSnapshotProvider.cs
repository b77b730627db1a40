using Microsoft.Extensions.Logging;
using ModelRouter.Model;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace ModelRouter.Routing;

/// <summary>
/// Loads configuration from the <see cref="IRouterStore"/>, validates and compiles it, and swaps the result in
/// atomically. A request reads <see cref="Current"/> once and keeps that snapshot to its end.
/// </summary>
internal sealed class RoutingSnapshotProvider : IDisposable
{
    private readonly IRouterStore _store;
    private readonly IModelRouterConfigValidator _validator;
    private readonly RoutingSnapshotCompiler _compiler;
    private readonly IRouterConfigChangeListener[] _listeners;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RoutingSnapshot? _current;
    private Outage? _outage;
    private IDisposable? _changeSubscription;
    private bool _disposed;

    internal RoutingSnapshotProvider(
        IRouterStore store,
        IModelRouterConfigValidator validator,
        RoutingSnapshotCompiler compiler,
        IEnumerable<IRouterConfigChangeListener> listeners,
        TimeProvider timeProvider,
        ILogger<RoutingSnapshotProvider> logger)
    {
        _store = store;
        _validator = validator;
        _compiler = compiler;
        _listeners = [.. listeners];
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the snapshot in use, or <see langword="null"/> before the first load.</summary>
    public RoutingSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Gets why the first load is still waiting for the store, or <see langword="null"/> when it is not.</summary>
    internal RouterStoreUnavailableException? StoreOutage => Volatile.Read(ref _outage)?.Error;

    /// <summary>Returns the snapshot in use, loading the first one if needed.</summary>
    /// <exception cref="ModelRouterConfigurationException">The first configuration is invalid.</exception>
    /// <exception cref="ModelRouterException">The first configuration cannot be loaded because the store does not answer (<see cref="ModelRouterErrorKind.StoreUnavailable"/>).</exception>
    public ValueTask<RoutingSnapshot> GetSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var current = Volatile.Read(ref _current);
        return current is not null ? new(current) : new(LoadFirstAsync(cancellationToken));
    }

    /// <summary>
    /// Records that the first load found the store unavailable and when it is tried next: until then requests are
    /// answered at once with 503 and a <c>Retry-After</c> of that wait, instead of each waiting for the store itself.
    /// </summary>
    internal void ReportStoreUnavailable(RouterStoreUnavailableException error, TimeSpan nextTryIn)
        => Volatile.Write(ref _outage, new Outage(error, _timeProvider.GetUtcNow() + nextTryIn));

    private async Task<RoutingSnapshot> LoadFirstAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _outage) is { } outage)
        {
            throw StoreUnavailable(outage.NextTry - _timeProvider.GetUtcNow(), outage.Error);
        }

        try
        {
            return await InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RouterStoreUnavailableException ex)
        {
            throw StoreUnavailable(TimeSpan.Zero, ex);
        }
    }

    // The message stays generic: the reason names hosts and ports, which belong in the log, not in answers to callers.
    private static ModelRouterException StoreUnavailable(TimeSpan retryAfter, RouterStoreUnavailableException error)
        => new(ModelRouterErrorKind.StoreUnavailable, "The router cannot serve yet: its configuration store does not answer. Retry later.", error)
        {
            RetryAfter = retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter,
        };

    /// <summary>Loads the first configuration and starts listening for changes. Throws with every problem when it is invalid.</summary>
    /// <exception cref="ModelRouterConfigurationException">The configuration is invalid.</exception>
    public async Task<RoutingSnapshot> InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } existing)
            {
                return existing;
            }

            // Subscribe before reading, so that a change made while we read is not missed.
            var token = _store.GetChangeToken();
            var (config, validated) = await ReadStoreAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = CompileOrThrow(config, validated);
            Apply(snapshot);
            Subscribe(token);
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the store again and applies its configuration if it changed and is valid.</summary>
    /// <returns><see langword="true"/> when a new revision was applied.</returns>
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ModelRouterConfig config;
            bool validated;
            try
            {
                (config, validated) = await ReadStoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ConfigurationLoadFailed(_logger, ex);
                Notify(ex is ModelRouterConfigurationException invalid ? invalid.Errors : ["the configuration could not be loaded"]);
                return false;
            }

            if (_current is { } current && current.Revision == config.Revision && !string.IsNullOrEmpty(config.Revision))
            {
                return false;
            }

            if (_current is { } served && DropsEverything(served.Config, config))
            {
                Log.ConfigurationEmptyRefused(_logger, config.Revision, served.Config.Routers.Count, served.Config.Apps.Count);
                Notify([$"the new configuration has no routers and no apps while {served.Config.Routers.Count} routers and {served.Config.Apps.Count} apps are in use, " +
                    "so it was refused; set ModelRouter:allowEmpty to true to empty the configuration on purpose"]);
                return false;
            }

            try
            {
                Apply(CompileOrThrow(config, validated));
                return true;
            }
            catch (ModelRouterConfigurationException ex)
            {
                Log.ConfigurationRejected(_logger, config.Revision, string.Join("; ", ex.Errors));
                Notify(ex.Errors);
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _changeSubscription?.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// Whether <paramref name="next"/> would remove every router and app while <paramref name="served"/> has some, and its
    /// store does not say that is meant. Only configuration files can lose everything by accident (a renamed or cut-down
    /// section); a writable store changes through deliberate, validated writes such as the admin API's.
    /// </summary>
    private bool DropsEverything(ModelRouterConfig served, ModelRouterConfig next)
        => next.Routers.Count == 0 && next.Apps.Count == 0
            && served.Routers.Count + served.Apps.Count > 0
            && _store is ConfigurationRouterStore { AllowEmpty: false };

    /// <summary>
    /// Reads the store; <c>Validated</c> tells that this validator already accepted these very contents: a writable
    /// store's write validated them before saving (an admin write), so they are not validated a second time here.
    /// </summary>
    private async ValueTask<(ModelRouterConfig Config, bool Validated)> ReadStoreAsync(CancellationToken cancellationToken)
    {
        if (_store is IWritableRouterStore writable)
        {
            var contents = await writable.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (contents.ToConfig(), ReferenceEquals(contents.ValidatedBy, _validator));
        }

        return (await _store.GetConfigAsync(cancellationToken).ConfigureAwait(false), false);
    }

    private RoutingSnapshot CompileOrThrow(ModelRouterConfig config, bool validated)
    {
        // The configuration in use passed this validator: the LLMs and routers it shares with the new one (a writable
        // store hands out the very same instances for unchanged items) are not checked field by field again.
        var current = Volatile.Read(ref _current);
        IReadOnlyList<string> errors = validated ? []
            : _validator is ModelRouterConfigValidator builtIn ? builtIn.Validate(config, current?.Config) : _validator.Validate(config);
        if (errors.Count > 0)
        {
            throw new ModelRouterConfigurationException(errors);
        }

        // Warnings never refuse a configuration: they point at what is valid but probably not meant.
        foreach (var warning in _validator.GetWarnings(config))
        {
            Log.ConfigurationWarning(_logger, config.Revision, warning.Message);
        }

        return _compiler.Compile(config, current);
    }

    private void Apply(RoutingSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        Volatile.Write(ref _outage, null);
        var config = snapshot.Config;
        Log.ConfigurationApplied(_logger, config.Revision, config.Routers.Count, config.Llms.Count, config.Apps.Count);
        if (snapshot.IsEmpty)
        {
            Log.ConfigurationEmpty(_logger, _store is ConfigurationRouterStore configuration ? configuration.EmptySource : "the store holds no routers and no apps yet");
        }
        foreach (var listener in _listeners)
        {
            listener.ConfigurationApplied(config);
        }
    }

    private void Notify(IReadOnlyList<string> errors)
    {
        foreach (var listener in _listeners)
        {
            listener.ConfigurationRejected(errors);
        }
    }

    private void Subscribe(IChangeToken first)
    {
        var isFirst = true;
        _changeSubscription = ChangeToken.OnChange(
            () =>
            {
                if (isFirst)
                {
                    isFirst = false;
                    return first;
                }

                return _store.GetChangeToken();
            },
            () =>
            {
                if (!_disposed)
                {
                    _ = ReloadInBackgroundAsync();
                }
            });
    }

    private sealed record Outage(RouterStoreUnavailableException Error, DateTimeOffset NextTry);

    private async Task ReloadInBackgroundAsync()
    {
        try
        {
            await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }
}
