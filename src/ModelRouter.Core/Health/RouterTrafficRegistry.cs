using System.Collections.Concurrent;

namespace ModelRouter.Health;

/// <summary>Hands out one <see cref="RouterTraffic"/> per router slug and keeps it across configuration reloads.</summary>
internal sealed class RouterTrafficRegistry(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, RouterTraffic> _routers = new(StringComparer.Ordinal);

    public RouterTraffic GetOrCreate(string slug) => _routers.GetOrAdd(slug, static (_, time) => new RouterTraffic(time), timeProvider);

    /// <summary>Forgets routers that are no longer configured.</summary>
    public void Retain(IEnumerable<string> slugs)
    {
        var keep = slugs.ToHashSet(StringComparer.Ordinal);
        foreach (var slug in _routers.Keys)
        {
            if (!keep.Contains(slug))
            {
                _routers.TryRemove(slug, out _);
            }
        }
    }
}
