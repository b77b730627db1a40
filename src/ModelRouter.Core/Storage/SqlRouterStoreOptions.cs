using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>Settings shared by the SQL stores.</summary>
internal sealed class SqlRouterStoreOptions
{
    /// <summary>Gets or sets the connection string. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Gets or sets the configuration imported the first time the store is found empty, or <see langword="null"/> to start empty.</summary>
    /// <remarks>Once the store holds data, the seed is never applied again, so a changed file does not overwrite managed data.</remarks>
    public ModelRouterConfig? Seed { get; set; }

    /// <summary>Gets or sets the validator the seed must pass; required when <see cref="Seed"/> is set.</summary>
    public IModelRouterConfigValidator? SeedValidator { get; set; }

    /// <summary>Gets or sets how often the store re-reads its revision to catch changes made elsewhere, or <see langword="null"/> never.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan? ResyncInterval { get; set; } = DefaultResyncInterval;

    /// <summary>Gets or sets what encrypts LLM keys and header values at rest, or <see langword="null"/> to write them as they are (stores made through DI always have one).</summary>
    public IStoredSecretProtector? Secrets { get; set; }

    /// <summary>Gets or sets the clock of the resync loop.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets the default of <see cref="ResyncInterval"/>, also the default of the store packages' public options.</summary>
    public static TimeSpan DefaultResyncInterval { get; } = TimeSpan.FromSeconds(5);
}
