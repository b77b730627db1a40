namespace ModelRouter.Routing;

/// <summary>A pool that a request for the explained model passes over.</summary>
/// <param name="Name">The pool's name.</param>
/// <param name="Priority">The pool's priority.</param>
/// <param name="ModelPattern">The pool's model pattern.</param>
/// <param name="Reason">Why it does not take the model.</param>
public sealed record ExplainedPool(string Name, int Priority, string ModelPattern, string Reason);
