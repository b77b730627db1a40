using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>
/// The fallback pools a request may still go on to once its pool is exhausted: depth first (a fallback pool's own
/// fallbacks come before the next one of the pool that named it), each pool at most once, skipping pools whose vendors
/// are all cooling.
/// </summary>
/// <remarks>Made only when a request runs out of its first pool: a request served there allocates nothing for it.</remarks>
internal sealed class PoolChain
{
    private readonly List<PoolSnapshot> _visited;
    private readonly Stack<PoolSnapshot> _pending = new();

    public PoolChain(PoolSnapshot first)
    {
        _visited = [first];
    }

    /// <summary>Returns the next pool with an available vendor after <paramref name="exhausted"/>, or <see langword="null"/>.</summary>
    public PoolSnapshot? Next(PoolSnapshot exhausted, DateTimeOffset now)
    {
        Push(exhausted.FallbackPools);
        while (_pending.TryPop(out var pool))
        {
            if (_visited.Contains(pool))
            {
                continue;
            }

            _visited.Add(pool);
            if (HasAvailableVendor(pool, now))
            {
                return pool;
            }

            Push(pool.FallbackPools);
        }

        return null;
    }

    /// <summary>Returns the first of <paramref name="pool"/>'s context-window fallbacks with an available vendor not yet visited, or <see langword="null"/>.</summary>
    public PoolSnapshot? NextForContextWindow(PoolSnapshot pool, DateTimeOffset now)
    {
        foreach (var candidate in pool.ContextWindowFallbackPools)
        {
            if (!_visited.Contains(candidate) && HasAvailableVendor(candidate, now))
            {
                _visited.Add(candidate);
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Returns the trail so far followed by the entry that says the request went on to <paramref name="pool"/>: <c>a=500;pool:large</c>.</summary>
    public static string TrailInto(string? trail, PoolSnapshot pool)
        => trail is null ? "pool:" + pool.Name : string.Concat(trail, ";pool:", pool.Name);

    private void Push(PoolSnapshot[] pools)
    {
        for (var i = pools.Length - 1; i >= 0; i--)
        {
            _pending.Push(pools[i]);
        }
    }

    private static bool HasAvailableVendor(PoolSnapshot pool, DateTimeOffset now)
    {
        foreach (var vendor in pool.AvailableVendors)
        {
            if (!vendor.Llm.Health.IsCooling(now, out _, out _))
            {
                return true;
            }
        }

        return false;
    }
}
