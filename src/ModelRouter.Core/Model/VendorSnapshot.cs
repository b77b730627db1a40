using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>A compiled vendor of a pool.</summary>
public sealed class VendorSnapshot
{
    private readonly (string Source, string Target, byte[] Json)[] _mappings;

    internal VendorSnapshot(VendorConfig config, LlmSnapshot llm)
    {
        Config = config;
        Llm = llm;
        _mappings = [.. config.ModelMappings.Select(m => (m.Source, m.Target, ChatRequestBody.EncodeModel(m.Target)))];
        PoolIndex = -1;
    }

    /// <summary>Gets the vendor's configuration.</summary>
    public VendorConfig Config { get; }

    /// <summary>Gets the LLM this vendor sends requests to.</summary>
    public LlmSnapshot Llm { get; }

    /// <summary>Gets the vendor's position in <see cref="PoolSnapshot.AvailableVendors"/>, or -1 when it takes no traffic.</summary>
    public int PoolIndex { get; internal set; }

    /// <summary>Gets the vendor's weight.</summary>
    public int Weight => Config.Weight;

    /// <summary>Returns the model name to send to this vendor for <paramref name="requestedModel"/>.</summary>
    public string MapModel(string requestedModel)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                return mapping.Target;
            }
        }

        return requestedModel;
    }

    /// <summary>Finds the mapping of <paramref name="requestedModel"/> in one scan: the name to send and its quoted JSON form (empty when none applies).</summary>
    internal string Map(string requestedModel, out ReadOnlyMemory<byte> targetJson)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                targetJson = mapping.Json;
                return mapping.Target;
            }
        }

        targetJson = ReadOnlyMemory<byte>.Empty;
        return requestedModel;
    }

    /// <summary>Returns the mapped model for <paramref name="requestedModel"/> as a quoted JSON string, or empty when no mapping applies.</summary>
    public ReadOnlyMemory<byte> MapModelJson(string requestedModel)
    {
        foreach (var mapping in _mappings)
        {
            if (string.Equals(mapping.Source, requestedModel, StringComparison.Ordinal))
            {
                return mapping.Json;
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <inheritdoc/>
    public override string ToString() => Llm.Id;
}
