using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>
/// Reads LLMs, routers and apps from a configuration section (arrays <c>llms</c>, <c>routers</c>, <c>apps</c>; keys
/// case-insensitive) and signals a change whenever the configuration reloads, for example when <c>appsettings.json</c> is saved.
/// </summary>
public sealed class ConfigurationRouterStore : IRouterStore
{
    private readonly IConfiguration _section;

    /// <summary>Creates a store over a configuration section, usually <c>ModelRouter</c>.</summary>
    public ConfigurationRouterStore(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        _section = section;
    }

    /// <inheritdoc/>
    public ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default)
        => new(ConfigurationReader.ReadConfig(_section));

    /// <inheritdoc/>
    public IChangeToken GetChangeToken() => _section.GetReloadToken();

    /// <summary>
    /// Gets a value indicating whether a reload may remove every router and app (<c>allowEmpty: true</c> in the section);
    /// otherwise such a reload is refused and the last good configuration stays in use. Read at each reload, with the content.
    /// </summary>
    internal bool AllowEmpty => bool.TryParse(_section["allowEmpty"], out var allow) && allow;

    /// <summary>Gets where an empty configuration comes from, for the warning that says so.</summary>
    internal string EmptySource => $"the configuration section '{(_section as IConfigurationSection)?.Path ?? "(root)"}' is missing or has no routers and no apps";
}
