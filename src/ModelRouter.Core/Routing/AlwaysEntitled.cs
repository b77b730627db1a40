using System.Diagnostics.CodeAnalysis;

namespace ModelRouter.Routing;

/// <summary>The default <see cref="IModelRouterEntitlement"/>: every router may serve.</summary>
internal sealed class AlwaysEntitled : IModelRouterEntitlement
{
    public bool IsEntitled([NotNullWhen(false)] out string? reason)
    {
        reason = null;
        return true;
    }
}
