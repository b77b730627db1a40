using Microsoft.Extensions.Options;
using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Validation;

/// <summary>Checks the host settings, one message per problem, each naming its key.</summary>
internal sealed class ModelRouterOptionsValidator : IValidateOptions<ModelRouterOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelRouterOptions options)
    {
        var failures = new List<string>();
        void Check(bool valid, string key, object value, string rule)
        {
            if (!valid)
            {
                failures.Add(FormattableString.Invariant($"ModelRouter:{key} must be {rule} (it is {value})."));
            }
        }

        Check(options.MaxRequestBodyBytes > 0, "maxRequestBodyBytes", options.MaxRequestBodyBytes, "above 0");
        Check(options.MaxResponseBodyBytes > 0, "maxResponseBodyBytes", options.MaxResponseBodyBytes, "above 0");
        Check(options.MaxJsonDepth is > 0 and <= 1024, "maxJsonDepth", options.MaxJsonDepth, "between 1 and 1024");
        Check(options.FailureThreshold >= 2, "failureThreshold", options.FailureThreshold, "at least 2");
        Check(options.CooldownSeconds > 0, "cooldownSeconds", options.CooldownSeconds, "above 0");
        Check(options.BreakerSamplingSeconds >= 0.5, "breakerSamplingSeconds", options.BreakerSamplingSeconds, "at least 0.5");
        Check(options.MaxRetryAfterSeconds > 0, "maxRetryAfterSeconds", options.MaxRetryAfterSeconds, "above 0");
        Check(options.CredentialCooldownSeconds > 0, "credentialCooldownSeconds", options.CredentialCooldownSeconds, "above 0");
        Check(options.StoreRetryDelaySeconds > 0, "storeRetryDelaySeconds", options.StoreRetryDelaySeconds, "above 0");
        Check(options.StoreRetryMaxDelaySeconds >= options.StoreRetryDelaySeconds && options.StoreRetryMaxDelaySeconds <= 86_400,
            "storeRetryMaxDelaySeconds", options.StoreRetryMaxDelaySeconds, "at least storeRetryDelaySeconds and at most 86400");
        foreach (var host in options.AllowedUpstreamHosts)
        {
            Check(UpstreamHostPolicy.IsValidEntry(host), "allowedUpstreamHosts", $"'{host}'", "host names, IP literals or '*.' and a host name");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
