namespace ModelRouter.Health;

/// <summary>Hears when an LLM starts cooling or its breaker opens (the router's metrics count both).</summary>
internal interface ILlmHealthEvents
{
    /// <summary>The LLM was not cooling and now is, for <paramref name="reason"/>.</summary>
    void CoolingStarted(string llmId, CooldownReason reason);

    /// <summary>The LLM's circuit breaker opened.</summary>
    void BreakerOpened(string llmId);
}
