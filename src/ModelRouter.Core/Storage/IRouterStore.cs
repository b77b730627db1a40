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

/// <summary>A configuration that cannot be used, with every problem found.</summary>
public sealed class ModelRouterConfigurationException : Exception
{
    /// <summary>Creates the exception from a list of problems.</summary>
    public ModelRouterConfigurationException(IReadOnlyList<string> errors)
        : base("The ModelRouter configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public ModelRouterConfigurationException()
        : this(["unknown error"])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModelRouterConfigurationException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ModelRouterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Gets every problem found, each naming its path and the fix.</summary>
    public IReadOnlyList<string> Errors { get; }
}
