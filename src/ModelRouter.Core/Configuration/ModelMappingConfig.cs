namespace ModelRouter.Configuration;

/// <summary>Renames a requested model for one vendor.</summary>
public sealed record ModelMappingConfig
{
    /// <summary>Gets or sets the model name the client requested (exact, case-sensitive). Required.</summary>
    public string Source { get; init; } = "";

    /// <summary>Gets or sets the model name sent to the vendor. Required.</summary>
    public string Target { get; init; } = "";
}
