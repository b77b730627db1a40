namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures ModelRouter after <c>AddModelRouter</c>; features hang off it as extension methods.</summary>
public interface IModelRouterBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
