namespace ModelRouter.Validation;

/// <summary>One problem of a configuration: the path of the field it concerns and a message that names it too.</summary>
/// <param name="Path">The field path in the configuration shape, for example <c>routers[0].pools[1].vendors[0].weight</c>; empty when no single field is at fault.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ModelRouterConfigError(string Path, string Message);
