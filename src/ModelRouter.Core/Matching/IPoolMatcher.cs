using ModelRouter.Model;

namespace ModelRouter.Matching;

/// <summary>Finds the pool of a router that handles a requested model.</summary>
/// <remarks>Implementations must be thread-safe and should not allocate per call: they sit on every request's path.</remarks>
public interface IPoolMatcher
{
    /// <summary>Returns the pool that handles <paramref name="model"/>, or <see langword="null"/> when none matches.</summary>
    /// <param name="router">The compiled router; its <see cref="RouterSnapshot.Pools"/> are sorted by descending priority.</param>
    /// <param name="model">The model name the client requested.</param>
    PoolSnapshot? Match(RouterSnapshot router, string model);
}
