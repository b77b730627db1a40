using Microsoft.Extensions.Configuration;

namespace ModelRouter.Storage;

/// <summary>The <c>ModelRouter:store</c> section: which store serves and how to reach it.</summary>
public sealed class RouterStoreSettings
{
    /// <summary>The kind that reads everything from the <c>ModelRouter</c> configuration section, read-only.</summary>
    public const string ConfigurationKind = "configuration";

    /// <summary>Gets or sets the store kind: <c>configuration</c>, <c>sqlite</c>, <c>postgres</c> or one a package registered.</summary>
    /// <value>The default is <c>configuration</c>.</value>
    public string Kind { get; set; } = ConfigurationKind;

    /// <summary>Gets or sets the connection string, for database stores.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets a value indicating whether an empty database store is seeded once from the <c>ModelRouter</c> section.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool SeedFromConfiguration { get; set; } = true;

    /// <summary>Gets or sets the <c>ModelRouter</c> section itself, the source of the seed.</summary>
    public IConfiguration? Section { get; set; }

    /// <summary>Reads the settings from the <c>store</c> child of a <c>ModelRouter</c> section.</summary>
    public static RouterStoreSettings FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var store = section.GetSection("store");
        var settings = new RouterStoreSettings { Section = section };
        settings.Kind = string.IsNullOrWhiteSpace(store["kind"]) ? ConfigurationKind : store["kind"]!.Trim();
        settings.ConnectionString = store["connectionString"];
        if (bool.TryParse(store["seedFromConfiguration"], out var seed))
        {
            settings.SeedFromConfiguration = seed;
        }

        return settings;
    }

    /// <summary>Reads the LLMs, routers and apps of <see cref="Section"/>, the seed of an empty store; <see langword="null"/> when seeding is off.</summary>
    /// <exception cref="ModelRouterConfigurationException">The section cannot be read.</exception>
    public Configuration.ModelRouterConfig? ReadSeed()
        => SeedFromConfiguration && Section is not null ? ConfigurationReader.ReadConfig(Section) with { Revision = "" } : null;
}
