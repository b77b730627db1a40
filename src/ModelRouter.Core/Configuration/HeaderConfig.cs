namespace ModelRouter.Configuration;

/// <summary>A header name and value sent to an LLM.</summary>
public sealed record HeaderConfig
{
    /// <summary>Gets or sets the header name. Required.</summary>
    public string Name { get; init; } = "";

    /// <summary>Gets or sets the header value.</summary>
    public string Value { get; init; } = "";

    /// <inheritdoc/>
    public override string ToString() => $"HeaderConfig {{ Name = {Name}, Value = *** }}";
}
