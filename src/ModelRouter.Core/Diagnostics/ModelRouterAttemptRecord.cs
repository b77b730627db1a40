namespace ModelRouter.Diagnostics;

/// <summary>One attempt at one vendor, as a <see cref="ModelRouterUsageRecord"/> lists it.</summary>
public sealed record ModelRouterAttemptRecord
{
    /// <summary>Gets the id of the LLM tried.</summary>
    public string Llm { get; init; } = "";

    /// <summary>Gets the model name sent to it, after mapping.</summary>
    public string Model { get; init; } = "";

    /// <summary>Gets what the attempt came to, as in the trail header: <c>ok</c>, the vendor's status (<c>429</c>), <c>timeout</c>, <c>error</c>, <c>invalid</c> or <c>cancelled</c>.</summary>
    public string Outcome { get; init; } = "";

    /// <summary>Gets the vendor's status, or 0 when it sent none.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets how long the attempt took, until the answer (or its first stream event) was in hand.</summary>
    public TimeSpan Duration { get; init; }
}
