namespace ModelRouter.Forwarding;

/// <summary>Classifies upstream HTTP status codes into <see cref="UpstreamOutcome"/>.</summary>
public static class UpstreamOutcomeClassifier
{
    /// <summary>Classifies a status code, honouring a pool's own list of statuses that fail over.</summary>
    /// <param name="statusCode">The upstream status.</param>
    /// <param name="failoverStatusCodes">The pool's override, or <see langword="null"/> for the default classification.</param>
    public static UpstreamOutcome Classify(int statusCode, IReadOnlyList<int>? failoverStatusCodes)
    {
        if (failoverStatusCodes is null || statusCode is >= 200 and < 300)
        {
            return Classify(statusCode);
        }

        // Rejected credentials are never the client's to see: they always fail over, whatever the pool's list says.
        var outcome = Classify(statusCode);
        if (outcome == UpstreamOutcome.CredentialFailure)
        {
            return outcome;
        }

        if (!failoverStatusCodes.Contains(statusCode))
        {
            return UpstreamOutcome.ClientError;
        }

        return outcome == UpstreamOutcome.ClientError ? UpstreamOutcome.VendorFailure : outcome;
    }

    /// <summary>Classifies a status code.</summary>
    public static UpstreamOutcome Classify(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => UpstreamOutcome.Success,
        429 => UpstreamOutcome.RateLimited,
        408 => UpstreamOutcome.VendorFailure,
        401 or 402 or 403 => UpstreamOutcome.CredentialFailure,
        >= 400 and < 500 => UpstreamOutcome.ClientError,
        _ => UpstreamOutcome.VendorFailure,
    };
}
