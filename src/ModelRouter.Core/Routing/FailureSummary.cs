using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Model;

namespace ModelRouter.Routing;

/// <summary>Sums up the failed attempts and the cooling vendors into the one error the caller gets.</summary>
internal sealed class FailureSummary
{
    private int _tried;
    private int _cooling;
    private int _rateLimited;
    private TimeSpan? _earliestReturn;
    private AttemptFailure? _last;

    /// <summary>Adds a failed attempt.</summary>
    public void Add(AttemptFailure failure)
    {
        _tried++;
        _last = failure;
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

    public void AddCooling(TimeSpan wait, CooldownReason reason)
    {
        _cooling++;
        if (reason == CooldownReason.RateLimited)
        {
            _rateLimited++;
        }

        Earliest(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
    }

    public ModelRouterException ToException(PoolSnapshot pool, int attempts)
    {
        var where = $"pool '{pool.Name}' of router '{pool.RouterSlug}'";
        if (_rateLimited > 0 && _rateLimited == _tried + _cooling)
        {
            return new ModelRouterException(ModelRouterErrorKind.RateLimited, $"Every vendor of {where} is rate limited; retry later.")
            {
                RetryAfter = _earliestReturn ?? TimeSpan.FromSeconds(1),
                Llm = _last?.Llm,
                Attempts = attempts,
            };
        }

        if (_last is null)
        {
            return new ModelRouterException(ModelRouterErrorKind.NoAvailableVendor, $"Every vendor of {where} is cooling down after failures; retry later.")
            {
                RetryAfter = _earliestReturn ?? TimeSpan.FromSeconds(1),
            };
        }

        if (_last.IsTimeout)
        {
            return new ModelRouterException(ModelRouterErrorKind.UpstreamTimeout, $"No vendor of {where} could answer; the last one timed out ({_last.Reason}).")
            {
                Llm = _last.Llm,
                Attempts = attempts,
            };
        }

        return new ModelRouterException(ModelRouterErrorKind.AllVendorsFailed, $"No vendor of {where} could answer ({attempts} tried); the last: {_last.Reason}.")
        {
            Llm = _last.Llm,
            Attempts = attempts,
        };
    }

    private void Earliest(TimeSpan wait)
    {
        if (_earliestReturn is null || wait < _earliestReturn)
        {
            _earliestReturn = wait;
        }
    }
}
