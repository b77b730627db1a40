using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Model;
using ModelRouter.Selection;

namespace ModelRouter.Routing;

/// <summary>
/// One request's way through a pool: the vendors it tried, those it found cooling, and what the failures add up to
/// in the one error the caller gets when no vendor serves it.
/// </summary>
/// <remarks>A mutable struct, kept as a local of the failover loop: the common request (served at once) allocates nothing for it.</remarks>
internal struct FailoverState
{
    private VendorSet _tried;
    private VendorSet _cooling;
    private int _lastTried;
    private int _failed;
    private int _coolingCount;
    private int _rateLimited;
    private int _notServing;
    private TimeSpan? _earliestReturn;
    private AttemptFailure? _last;
    private string? _trail;

    /// <summary>Starts a request on <paramref name="pool"/>, leaving out the vendors whose LLM is cooling at <paramref name="now"/>.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="now">The time.</param>
    /// <param name="trail">The trail of the pools the request went through before this one, or <see langword="null"/>.</param>
    /// <remarks>Cooling vendors are left out before selection, so that selection stays fair among the rest.</remarks>
    public FailoverState(PoolSnapshot pool, DateTimeOffset now, string? trail = null)
    {
        _lastTried = -1;
        _trail = trail;
        var vendors = pool.AvailableVendors;
        for (var i = 0; i < vendors.Count; i++)
        {
            if (vendors[i].Llm.Health.IsCooling(now, out var until, out var reason))
            {
                _cooling.Add(i);
                AddCooling(until - now, reason);
            }
        }
    }

    /// <summary>Gets the vendors the next pick may choose from.</summary>
    public readonly VendorCandidates Candidates => new(_tried, _cooling, _lastTried);

    /// <summary>Records that the request went to <paramref name="vendor"/>.</summary>
    public void Picked(VendorSnapshot vendor)
    {
        _tried.Add(vendor.PoolIndex);
        _lastTried = vendor.PoolIndex;
    }

    /// <summary>Records a picked vendor that turned out to be cooling (since the request started, or another request holds its trial).</summary>
    public void FoundCooling(VendorSnapshot vendor, DateTimeOffset now)
    {
        _cooling.Add(vendor.PoolIndex);
        vendor.Llm.Health.IsCooling(now, out var until, out var reason);
        AddCooling(until - now, reason);
    }

    /// <summary>Records that the vendor just picked does not serve the request's operation (an Anthropic LLM asked for embeddings).</summary>
    public void NotServing() => _notServing++;

    /// <summary>Records a failed attempt.</summary>
    public void Failed(AttemptFailure failure)
    {
        _failed++;
        _last = failure;
        _trail = TrailWith(failure.TrailEntry);
        if (failure.Verdict == AttemptVerdict.RateLimited)
        {
            _rateLimited++;
            Earliest(failure.Cooldown ?? TimeSpan.FromSeconds(1));
        }
        else if (failure.CooldownReason == CooldownReason.Unavailable && failure.Cooldown is { } wait)
        {
            // The vendor said when it expects to be back.
            Earliest(wait);
        }
    }

    /// <summary>Gets the trail so far (<c>a=429;b=500</c>), or <see langword="null"/> when nothing was tried.</summary>
    public readonly string? Trail => _trail;

    /// <summary>Returns the trail of the failed attempts so far followed by <paramref name="entry"/> (<c>a=429;b=ok</c>).</summary>
    /// <remarks>A request served at its first attempt allocates nothing: the LLM's served entry is made once.</remarks>
    public readonly string TrailWith(string entry) => _trail is null ? entry : string.Concat(_trail, ";", entry);

    /// <summary>Tells whether no further attempt is allowed or possible.</summary>
    public readonly bool IsExhausted(PoolSnapshot pool, int attempts)
        => attempts >= pool.MaxAttempts || _tried.Count + _cooling.Count >= pool.AvailableVendors.Count;

    /// <summary>The error of a request no vendor served.</summary>
    public readonly ModelRouterException ToException(PoolSnapshot pool, int attempts, ModelRouterOperation operation = ModelRouterOperation.ChatCompletions)
    {
        var where = $"pool '{pool.Name}' of router '{pool.RouterSlug}'";
        if (_notServing > 0 && _failed == 0 && _coolingCount == 0)
        {
            // No vendor of the pool could take this kind of request at all: the request asks for what the pool cannot give.
            return new ModelRouterException(ModelRouterErrorKind.InvalidRequest, $"No vendor of {where} serves {Describe(operation)}.")
            {
                Param = "model",
                ErrorCode = "unsupported_operation",
            };
        }

        if (_rateLimited > 0 && _rateLimited == _failed + _coolingCount)
        {
            return new ModelRouterException(ModelRouterErrorKind.RateLimited, $"Every vendor of {where} is rate limited; retry later.")
            {
                RetryAfter = _earliestReturn ?? TimeSpan.FromSeconds(1),
                Llm = _last?.Llm,
                Attempts = attempts,
                Trail = _trail,
            };
        }

        if (_last is null)
        {
            return new ModelRouterException(ModelRouterErrorKind.NoAvailableVendor, $"Every vendor of {where} is cooling down after failures; retry later.")
            {
                RetryAfter = _earliestReturn ?? TimeSpan.FromSeconds(1),
                Trail = _trail,
            };
        }

        if (_last.IsTimeout)
        {
            return new ModelRouterException(ModelRouterErrorKind.UpstreamTimeout, $"No vendor of {where} could answer; the last one timed out ({_last.Reason}).")
            {
                Llm = _last.Llm,
                Attempts = attempts,
                Trail = _trail,
            };
        }

        return new ModelRouterException(ModelRouterErrorKind.AllVendorsFailed, $"No vendor of {where} could answer ({attempts} tried); the last: {_last.Reason}.")
        {
            Llm = _last.Llm,
            Attempts = attempts,
            Trail = _trail,
        };
    }

    private static string Describe(ModelRouterOperation operation) => operation switch
    {
        ModelRouterOperation.Embeddings => "embeddings",
        ModelRouterOperation.Messages => "Anthropic Messages requests",
        _ => "chat completions",
    };

    private void AddCooling(TimeSpan wait, CooldownReason reason)
    {
        _coolingCount++;
        if (reason == CooldownReason.RateLimited)
        {
            _rateLimited++;
        }

        Earliest(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
    }

    private void Earliest(TimeSpan wait)
    {
        if (_earliestReturn is null || wait < _earliestReturn)
        {
            _earliestReturn = wait;
        }
    }
}
