using ModelRouter.Configuration;

namespace ModelRouter.Validation;

/// <summary>Checks a whole configuration and returns every problem, each naming its path and the fix.</summary>
/// <remarks>Public so that custom stores can validate data before they save it.</remarks>
public interface IModelRouterConfigValidator
{
    /// <summary>Validates a configuration.</summary>
    /// <returns>Every problem found; empty when the configuration is valid.</returns>
    IReadOnlyList<string> Validate(ModelRouterConfig config);

    /// <summary>Validates a configuration and names the field of each problem.</summary>
    /// <returns>Every problem found, each with the path of its field (for example <c>routers[0].pools[1].vendors[0].weight</c>); empty when the configuration is valid.</returns>
    /// <remarks>The default implementation returns the messages of <see cref="Validate"/> with an empty path.</remarks>
    IReadOnlyList<ModelRouterConfigError> ValidateFields(ModelRouterConfig config)
        => [.. Validate(config).Select(message => new ModelRouterConfigError("", message))];

    /// <summary>Finds what is valid but probably not meant, such as a pool that can never match; warnings never refuse a configuration.</summary>
    /// <returns>Every warning, each with the path of its field; empty by default.</returns>
    IReadOnlyList<ModelRouterConfigError> GetWarnings(ModelRouterConfig config) => [];
}
