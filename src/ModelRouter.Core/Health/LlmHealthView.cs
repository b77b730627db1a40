using Polly.CircuitBreaker;

namespace ModelRouter.Health;

/// <summary>What <see cref="LlmHealth.Describe"/> reads at one moment.</summary>
/// <param name="CoolingUntil">The end of a cooldown still running, else <see langword="null"/>.</param>
/// <param name="Reason">Why it cools, or why it last cooled while the trial that ends the cooldown is still to come.</param>
/// <param name="TrialInFlight">Whether a half-open trial is under way; other requests skip the LLM until it ends.</param>
/// <param name="TrialDue">Whether the next request that picks the LLM is its half-open trial.</param>
/// <param name="Breaker">The circuit breaker's state.</param>
/// <param name="BreakerOpenUntil">When an open breaker lets a trial through, else <see langword="null"/>.</param>
/// <param name="RecentFailures">Failed attempts over the last <see cref="RecentCounts.Minutes"/> minutes.</param>
internal readonly record struct LlmHealthView(
    DateTimeOffset? CoolingUntil,
    CooldownReason Reason,
    bool TrialInFlight,
    bool TrialDue,
    CircuitState Breaker,
    DateTimeOffset? BreakerOpenUntil,
    long RecentFailures);
