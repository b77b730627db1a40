using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;

namespace ModelRouter.Health;

/// <summary>
/// Hands out one <see cref="LlmHealth"/> per LLM and keeps it across configuration reloads while the LLM's endpoint,
/// provider and key stay the same; a changed LLM (for example a rotated key) starts healthy.
/// </summary>
internal sealed class LlmHealthRegistry(Func<ModelRouterOptions> options, TimeProvider timeProvider, ILlmHealthEvents? events = null, ILoggerFactory? loggerFactory = null)
{
    private readonly ConcurrentDictionary<string, (string Fingerprint, LlmHealth Health)> _entries = new(StringComparer.Ordinal);

    public LlmHealth GetOrCreate(LlmConfig llm)
    {
        var fingerprint = Fingerprint(llm);
        var settings = Settings(options());
        var entry = _entries.AddOrUpdate(
            llm.Id,
            static (id, s) => (s.Fingerprint, new LlmHealth(id, s.Settings, s.Time, s.Events, s.Logs)),
            static (id, existing, s) => existing.Fingerprint == s.Fingerprint && existing.Health.Settings == s.Settings
                ? existing
                : (s.Fingerprint, new LlmHealth(id, s.Settings, s.Time, s.Events, s.Logs)),
            (Fingerprint: fingerprint, Settings: settings, Time: timeProvider, Events: events, Logs: loggerFactory));
        return entry.Health;
    }

    /// <summary>Forgets LLMs that are no longer configured.</summary>
    public void Retain(IEnumerable<string> llmIds)
    {
        var keep = llmIds.ToHashSet(StringComparer.Ordinal);
        foreach (var id in _entries.Keys)
        {
            if (!keep.Contains(id))
            {
                _entries.TryRemove(id, out _);
            }
        }
    }

    internal static LlmHealthSettings Settings(ModelRouterOptions o) => new(
        Math.Max(2, o.FailureThreshold),
        TimeSpan.FromSeconds(o.CooldownSeconds),
        TimeSpan.FromSeconds(o.BreakerSamplingSeconds),
        TimeSpan.FromSeconds(o.MaxRetryAfterSeconds),
        TimeSpan.FromSeconds(o.CredentialCooldownSeconds));

    private static string Fingerprint(LlmConfig llm)
    {
        var key = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(llm.ApiKey ?? ""));
        return $"{llm.Provider}|{llm.BaseUrl}|{llm.ApiVersion}|{Convert.ToHexString(key)}";
    }
}
