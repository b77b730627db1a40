using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ModelRouter.Diagnostics;
using ModelRouter.Configuration;
using ModelRouter.Storage;

namespace ModelRouter.Routing;

/// <summary>
/// The host settings in force: the last valid <see cref="ModelRouterOptions"/>. A change that does not bind or does not
/// validate is logged with every problem and the last good settings stay in use, as for routers.
/// </summary>
/// <remarks>
/// The options framework's own monitor recomputes (and throws) on the first read after an invalid change; requests
/// must never see that, so the router reads this holder instead and builds new settings only when a change arrives.
/// </remarks>
internal sealed class ModelRouterSettings : IDisposable
{
    private readonly IOptionsFactory<ModelRouterOptions> _factory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _subscriptions = [];
    private ModelRouterOptions? _current;

    public ModelRouterSettings(
        IOptionsFactory<ModelRouterOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<ModelRouterOptions>> sources,
        ILogger<ModelRouterSettings> logger)
    {
        _factory = factory;
        _logger = logger;
        foreach (var source in sources)
        {
            if (source.Name == Options.DefaultName)
            {
                _subscriptions.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
            }
        }
    }

    /// <summary>Gets the settings in force, building them on first use.</summary>
    /// <exception cref="ModelRouterConfigurationException">The settings have never been valid.</exception>
    public ModelRouterOptions Current => Volatile.Read(ref _current) ?? Initialize();

    /// <summary>Builds the first settings, or lists every problem that stops them.</summary>
    public bool TryInitialize(out IReadOnlyList<string> errors)
    {
        try
        {
            Initialize();
            errors = [];
            return true;
        }
        catch (ModelRouterConfigurationException ex)
        {
            errors = ex.Errors;
            return false;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private ModelRouterOptions Initialize()
    {
        lock (_gate)
        {
            if (_current is { } current)
            {
                return current;
            }

            if (!TryCreate(out var created, out var errors))
            {
                throw new ModelRouterConfigurationException(errors);
            }

            Volatile.Write(ref _current, created);
            return created;
        }
    }

    private void Reload()
    {
        lock (_gate)
        {
            if (TryCreate(out var created, out var errors))
            {
                Volatile.Write(ref _current, created);
            }
            else if (_current is not null)
            {
                Log.SettingsRejected(_logger, string.Join("; ", errors));
            }
        }
    }

    private bool TryCreate(out ModelRouterOptions options, out IReadOnlyList<string> errors)
    {
        try
        {
            options = _factory.Create(Options.DefaultName);
            errors = [];
            return true;
        }
        catch (OptionsValidationException ex)
        {
            errors = [.. ex.Failures];
        }
        catch (ModelRouterConfigurationException ex)
        {
            errors = ex.Errors;
        }

        options = null!;
        return false;
    }
}
