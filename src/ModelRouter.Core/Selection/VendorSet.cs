namespace ModelRouter.Selection;

/// <summary>A small set of vendor positions in a pool; no allocation up to 64 vendors.</summary>
public struct VendorSet
{
    private ulong _low;
    private HashSet<int>? _high;

    /// <summary>Gets how many positions the set holds.</summary>
    public readonly int Count => System.Numerics.BitOperations.PopCount(_low) + (_high?.Count ?? 0);

    /// <summary>Gets a value indicating whether the set is empty.</summary>
    public readonly bool IsEmpty => _low == 0 && (_high is null || _high.Count == 0);

    /// <summary>Adds a position.</summary>
    public void Add(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index < 64)
        {
            _low |= 1UL << index;
        }
        else
        {
            (_high ??= []).Add(index);
        }
    }

    /// <summary>Tells whether the set holds <paramref name="index"/>.</summary>
    public readonly bool Contains(int index)
        => index < 64 ? (_low & (1UL << index)) != 0 : _high is not null && _high.Contains(index);
}
