namespace ModelRouter.Health;

/// <summary>The resilience settings a <see cref="LlmHealth"/> was built with.</summary>
internal sealed record LlmHealthSettings(int FailureThreshold, TimeSpan Cooldown, TimeSpan BreakerSamplingDuration, TimeSpan MaxRetryAfter, TimeSpan CredentialCooldown)
{
    /// <summary>Gets the settings of a default <see cref="Configuration.ModelRouterOptions"/>.</summary>
    public static LlmHealthSettings Default { get; } = LlmHealthRegistry.Settings(new Configuration.ModelRouterOptions());
}
