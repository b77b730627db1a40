using ModelRouter.Configuration;

namespace ModelRouter.Routing;

/// <summary>Hears about configuration changes: applied revisions and rejected ones.</summary>
public interface IRouterConfigChangeListener
{
    /// <summary>Called after a revision was validated, compiled and swapped in.</summary>
    void ConfigurationApplied(ModelRouterConfig config);

    /// <summary>Called when a revision could not be used; the last good one stays in use.</summary>
    void ConfigurationRejected(IReadOnlyList<string> errors);
}
