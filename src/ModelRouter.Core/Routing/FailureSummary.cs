using ModelRouter.Forwarding;
using ModelRouter.Health;

namespace ModelRouter.Routing;

/// <summary>Why one attempt failed, as the failover loop and the final error need it.</summary>
internal sealed record AttemptFailure(string Vendor, UpstreamOutcome Outcome, int StatusCode, string Reason, bool IsTimeout, TimeSpan? RetryAfter);

/// <summary>Sums up the failed attempts and the cooling vendors into the one error the caller gets.</summary>
internal sealed class FailureSummary
{
    private int _tried;
    private int _cooling;
    private int _rateLimited;
    private TimeSpan? _earliestReturn;
    private AttemptFailure? _last;

    /// <summary>Adds a failed attempt, with the (capped) cooldown it put the vendor in.</summary>
    public void Add(AttemptFailure failure, TimeSpan? cooldown)
    {
        _tried++;
        _last = failure;
        if (failure.Outcome == UpstreamOutcome.RateLimited)
        {
            _rateLimited++;
            Earliest(cooldown ?? TimeSpan.FromSeconds(1));
        }
        else if (cooldown is { } wait && failure.StatusCode is 503 or 529)
        {
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
                Vendor = _last?.Vendor,
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
                Vendor = _last.Vendor,
                Attempts = attempts,
            };
        }

        return new ModelRouterException(ModelRouterErrorKind.AllVendorsFailed, $"No vendor of {where} could answer ({attempts} tried); the last: {_last.Reason}.")
        {
            Vendor = _last.Vendor,
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
