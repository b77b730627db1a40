namespace ModelRouter.Selection;

/// <summary>The names of the built-in vendor selectors.</summary>
public static class VendorSelectors
{
    /// <summary>Each available vendor in turn, in configuration order.</summary>
    public const string RoundRobin = "round_robin";

    /// <summary>Smooth weighted round-robin: over every sum of weights picks, each vendor gets exactly its weight, spread out.</summary>
    public const string Weighted = "weighted";
}
