using Polly;
using Polly.CircuitBreaker;

namespace ModelRouter.Health;

/// <summary>Why a vendor is cooling down.</summary>
internal enum CooldownReason
{
    /// <summary>Not cooling.</summary>
    None,

    /// <summary>The vendor asked to wait (<c>Retry-After</c> on 429).</summary>
    RateLimited,

    /// <summary>The vendor asked to wait (<c>Retry-After</c> on 503/529), or failed its half-open trial.</summary>
    Unavailable,

    /// <summary>The vendor refused the router's own credentials (401/402/403).</summary>
    CredentialsRejected,

    /// <summary>The circuit breaker opened after consecutive failures.</summary>
    CircuitOpen,
}

/// <summary>
/// The health of one LLM, shared by every pool that uses it and kept across reloads while the LLM is unchanged.
/// Two mechanisms, as the failover contract describes them: a cooldown a vendor asks for (<c>Retry-After</c>) or earns
/// (rejected credentials), ending in a half-open trial; and a Polly circuit breaker that opens after consecutive failures.
/// </summary>
/// <remarks>Thread-safe. Cooldown state is guarded by a lock held for a few instructions.</remarks>
internal sealed class VendorHealth
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly CircuitBreakerStateProvider _breakerState = new();
    private DateTimeOffset _coolingUntil;
    private CooldownReason _reason;
    private bool _trialInFlight;
    private long _breakerOpenUntilTicks;

    public VendorHealth(string llmId, VendorHealthSettings settings, TimeProvider timeProvider)
    {
        LlmId = llmId;
        Settings = settings;
        _timeProvider = timeProvider;
        Breaker = new ResiliencePipelineBuilder<bool> { Name = "ModelRouter.Vendor", InstanceName = llmId, TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<bool>
            {
                // Open only when every outcome in the window failed, and there were at least FailureThreshold of them.
                FailureRatio = 1.0,
                MinimumThroughput = settings.FailureThreshold,
                SamplingDuration = settings.BreakerSamplingDuration,
                BreakDuration = settings.Cooldown,
                StateProvider = _breakerState,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome is { Exception: null, Result: false }),
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref _breakerOpenUntilTicks, (_timeProvider.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string LlmId { get; }

    public VendorHealthSettings Settings { get; }

    /// <summary>Gets the breaker every attempt runs through; the callback returns <see langword="false"/> for a vendor failure.</summary>
    public ResiliencePipeline<bool> Breaker { get; }

    /// <summary>Tells whether the vendor is cooling now, and until when.</summary>
    public bool IsCooling(DateTimeOffset now, out DateTimeOffset until, out CooldownReason reason)
    {
        lock (_gate)
        {
            if (_coolingUntil > now || (_reason != CooldownReason.None && _trialInFlight))
            {
                until = _coolingUntil > now ? _coolingUntil : now + TimeSpan.FromSeconds(1);
                reason = _reason;
                return true;
            }
        }

        if (_breakerState.CircuitState is CircuitState.Open or CircuitState.Isolated)
        {
            var openUntil = new DateTimeOffset(Interlocked.Read(ref _breakerOpenUntilTicks), TimeSpan.Zero);
            if (openUntil > now)
            {
                until = openUntil;
                reason = CooldownReason.CircuitOpen;
                return true;
            }
        }

        until = default;
        reason = CooldownReason.None;
        return false;
    }

    /// <summary>Admits an attempt unless the vendor is cooling; after a cooldown, admits exactly one trial.</summary>
    public bool TryEnter(DateTimeOffset now, out bool isTrial)
    {
        lock (_gate)
        {
            isTrial = false;
            if (_reason == CooldownReason.None)
            {
                return true;
            }

            if (_coolingUntil > now || _trialInFlight)
            {
                return false;
            }

            _trialInFlight = true;
            isTrial = true;
            return true;
        }
    }

    /// <summary>Records how an admitted attempt ended.</summary>
    /// <param name="isTrial">Whether the attempt was the half-open trial.</param>
    /// <param name="healthy">Whether the vendor answered (a 2xx, or a 4xx that is the request's fault).</param>
    /// <param name="cooldown">A cooldown the vendor asked for or earned, already capped; <see langword="null"/> for none.</param>
    /// <param name="reason">Why it cools.</param>
    public void Complete(bool isTrial, bool healthy, TimeSpan? cooldown, CooldownReason reason)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (isTrial)
            {
                _trialInFlight = false;
                if (healthy)
                {
                    _reason = CooldownReason.None;
                    _coolingUntil = default;
                    return;
                }

                // A failed trial re-opens the cooldown, for as long as asked or the default.
                cooldown ??= Settings.Cooldown;
                reason = reason == CooldownReason.None ? _reason : reason;
            }

            if (cooldown is { } wait && reason != CooldownReason.None)
            {
                // Re-cooling keeps the later deadline.
                var until = now + wait;
                if (until > _coolingUntil || _reason == CooldownReason.None)
                {
                    _coolingUntil = until > _coolingUntil ? until : _coolingUntil;
                    _reason = reason;
                }
            }
        }
    }

    /// <summary>Releases a trial that ended without a verdict (the client cancelled): nothing is counted.</summary>
    public void Abandon(bool isTrial)
    {
        if (!isTrial)
        {
            return;
        }

        lock (_gate)
        {
            _trialInFlight = false;
        }
    }
}

/// <summary>The resilience settings a <see cref="VendorHealth"/> was built with.</summary>
internal sealed record VendorHealthSettings(int FailureThreshold, TimeSpan Cooldown, TimeSpan BreakerSamplingDuration, TimeSpan MaxRetryAfter, TimeSpan CredentialCooldown)
{
    /// <summary>Gets the settings of a default <see cref="Configuration.ModelRouterOptions"/>.</summary>
    public static VendorHealthSettings Default { get; } = VendorHealthRegistry.Settings(new Configuration.ModelRouterOptions());
}
