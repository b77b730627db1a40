namespace ModelRouter.Routing;

/// <summary>
/// How the router would handle a model now, read without calling any vendor or taking a selection turn: the pool that
/// matches, the pools before it that do not, and for each vendor of that pool its mapped model and whether (and in which
/// order) the next request would try it, or why not.
/// </summary>
public sealed record ModelRouterExplanation
{
    /// <summary>Gets the router's slug.</summary>
    public string Router { get; init; } = "";

    /// <summary>Gets the model as asked for.</summary>
    public string Model { get; init; } = "";

    /// <summary>Gets the configuration revision explained.</summary>
    public string Revision { get; init; } = "";

    /// <summary>Gets when the explanation was made (UTC).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Gets a value indicating whether the router is active.</summary>
    public bool RouterActive { get; init; }

    /// <summary>Gets a value indicating whether this instance's namespace serves the router; an inactive or unserved router answers 404 to every request.</summary>
    public bool ServedHere { get; init; }

    /// <summary>Gets the name of the pool that matches, or <see langword="null"/> when none does (the request would get 404).</summary>
    public string? Pool { get; init; }

    /// <summary>Gets the matching pool's selection algorithm.</summary>
    public string? Algorithm { get; init; }

    /// <summary>Gets the most vendors one request tries in the matching pool.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>Gets the pools checked before the matching one (all of them when none matches), by descending priority, and why each did not match.</summary>
    public IReadOnlyList<ExplainedPool> PassedOver { get; init; } = [];

    /// <summary>Gets every vendor of the matching pool in configuration order.</summary>
    public IReadOnlyList<ExplainedVendor> Vendors { get; init; } = [];

    /// <summary>Gets the LLM ids the next request would try, in order, if each failed over to the next.</summary>
    public IReadOnlyList<string> Candidates { get; init; } = [];

    /// <summary>
    /// Gets a value indicating whether <see cref="Candidates"/> is the exact order: true for the built-in selectors;
    /// a custom selector cannot be asked without taking a turn, so its candidates are listed in configuration order.
    /// </summary>
    public bool ExactOrder { get; init; }
}
