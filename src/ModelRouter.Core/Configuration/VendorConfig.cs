namespace ModelRouter.Configuration;

/// <summary>A vendor of a pool: a reference to an LLM with its weight and model mappings.</summary>
public sealed record VendorConfig
{
    /// <summary>Gets or sets the <see cref="LlmConfig.Id"/> this vendor sends requests to. Required.</summary>
    public string Llm { get; init; } = "";

    /// <summary>Gets or sets the selection weight; 0 takes no traffic.</summary>
    /// <value>The default is 1.</value>
    public int Weight { get; init; } = 1;

    /// <summary>Gets or sets a value indicating whether the vendor takes traffic.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Active { get; init; } = true;

    /// <summary>Gets or sets the model renames applied when this vendor is selected.</summary>
    public IReadOnlyList<ModelMappingConfig> ModelMappings { get; init; } = [];
}
