using ModelRouter.Model;

namespace ModelRouter.Matching;

/// <summary>The default matcher: the first pool, by descending priority then configuration order, whose glob matches.</summary>
public sealed class GlobPoolMatcher : IPoolMatcher
{
    /// <inheritdoc/>
    public PoolSnapshot? Match(RouterSnapshot router, string model)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(model);
        // The array, not the IReadOnlyList: enumerating through the interface boxes an enumerator on every request.
        foreach (var pool in router.PoolArray)
        {
            if (pool.Pattern.IsMatch(model))
            {
                return pool;
            }
        }

        return null;
    }
}
