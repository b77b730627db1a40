using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>Where LLMs, routers and apps come from. Hands out immutable revisions and signals when a new one is available.</summary>
/// <remarks>Implementations must be thread-safe. The router validates and compiles every revision before it serves it.</remarks>
public interface IRouterStore
{
    /// <summary>Reads the current configuration.</summary>
    /// <exception cref="ModelRouterConfigurationException">The stored data cannot be read as configuration.</exception>
    /// <exception cref="RouterStoreUnavailableException">The store cannot be reached now; the same call may succeed later.</exception>
    ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns a token that fires when the configuration may have changed.</summary>
    IChangeToken GetChangeToken();
}
