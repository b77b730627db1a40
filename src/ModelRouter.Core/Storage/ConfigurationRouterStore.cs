using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>
/// Reads LLMs, routers and apps from a configuration section (arrays <c>llms</c>, <c>routers</c>, <c>apps</c>; keys
/// case-insensitive) and signals a change whenever the configuration reloads, for example when <c>appsettings.json</c> is saved.
/// </summary>
/// <remarks>
/// Listing the children of a configuration key (<see cref="IConfiguration.GetChildren"/>) scans every key of every
/// provider, and an LLM's <c>headers</c> object can only be listed that way. When the store knows the configuration
/// root and the lists come only from JSON files, it reads those files again with their keys indexed, so a read costs
/// about the size of the configuration; lists that other providers (environment variables, memory) add to or
/// override are read from the section itself.
/// </remarks>
public sealed class ConfigurationRouterStore : IRouterStore
{
    private static readonly string[] Lists = ["llms", "routers", "apps"];
    private readonly IConfiguration _section;
    private readonly IConfigurationRoot? _root;

    /// <summary>Creates a store over a configuration section, usually <c>ModelRouter</c>.</summary>
    public ConfigurationRouterStore(IConfiguration section)
        : this(section, section as IConfigurationRoot)
    {
    }

    /// <summary>Creates a store over a section of <paramref name="root"/> (or the root itself), whose JSON files it may read again indexed.</summary>
    internal ConfigurationRouterStore(IConfiguration section, IConfigurationRoot? root)
    {
        ArgumentNullException.ThrowIfNull(section);
        _section = section;
        _root = root;
    }

    /// <inheritdoc/>
    public ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default)
    {
        using var indexed = ReadJsonFilesIndexed();
        if (indexed is null)
        {
            return new(ConfigurationReader.ReadConfig(_section));
        }

        var path = (_section as IConfigurationSection)?.Path;
        return new(ConfigurationReader.ReadConfig(path is null ? indexed : indexed.GetSection(path)));
    }

    /// <summary>
    /// The root's JSON files read again with their keys indexed, in the root's order; <see langword="null"/> when the
    /// root is unknown, another kind of provider has keys under the section's lists, or a file cannot be read now.
    /// </summary>
    private ConfigurationRoot? ReadJsonFilesIndexed()
    {
        if (_root is null)
        {
            return null;
        }

        var path = (_section as IConfigurationSection)?.Path;
        var files = new List<IConfigurationProvider>();
        foreach (var provider in _root.Providers)
        {
            if (provider is JsonConfigurationProvider { Source: { FileProvider: { } fileProvider, Path: { } file } source })
            {
                files.Add(new IndexedJsonConfigurationProvider(new JsonConfigurationSource { FileProvider = fileProvider, Path = file, Optional = source.Optional }));
            }
            else if (Lists.Any(list => provider.GetChildKeys([], path is null ? list : ConfigurationPath.Combine(path, list)).Any()))
            {
                return null;
            }
        }

        try
        {
            return new ConfigurationRoot(files);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            // A file being saved may be cut short: the section itself holds what its provider last loaded.
            return null;
        }
    }

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
