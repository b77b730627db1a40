using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelRouter.Routing;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>The body of <c>GET /admin/state</c>: each LLM's health and each router's traffic over the last minutes.</summary>
internal sealed record AdminState
{
    public string Revision { get; init; } = "";

    public DateTimeOffset At { get; init; }

    /// <summary>Gets how many minutes the counts cover, the current one included.</summary>
    public int WindowMinutes { get; init; }

    public IReadOnlyList<AdminLlmState> Llms { get; init; } = [];

    public IReadOnlyList<AdminRouterState> Routers { get; init; } = [];
}

/// <summary>One LLM's health.</summary>
internal sealed record AdminLlmState
{
    public string Id { get; init; } = "";

    /// <summary>Gets <c>healthy</c>, <c>cooling</c>, <c>trial_in_flight</c> (another request holds its half-open trial) or <c>trial_due</c> (the next request to it is the trial).</summary>
    public string Status { get; init; } = "healthy";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CoolingUntil { get; init; }

    /// <summary>Gets why it cools (or cooled, before a trial): <c>rate_limited</c>, <c>unavailable</c>, <c>credentials_rejected</c> or <c>circuit_open</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    public string Breaker { get; init; } = "closed";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? BreakerOpenUntil { get; init; }

    /// <summary>Gets the failed attempts over the window.</summary>
    public long RecentFailures { get; init; }
}

/// <summary>One router's traffic over the window: requests that reached a pool, those no vendor served, failovers.</summary>
internal sealed record AdminRouterState
{
    public string Slug { get; init; } = "";

    public bool Active { get; init; }

    public long Requests { get; init; }

    public long Errors { get; init; }

    public long Failovers { get; init; }

    /// <summary>Gets the counts per minute, oldest first.</summary>
    public IReadOnlyList<AdminMinute> Minutes { get; init; } = [];
}

/// <summary>One minute of a router's traffic.</summary>
internal sealed record AdminMinute(DateTimeOffset Start, long Requests, long Errors, long Failovers);

/// <summary>The body of <c>POST /apps/{name}/rotate</c>, optional.</summary>
internal sealed class AppKeyRotation
{
    /// <summary>Gets or sets how long the key being replaced stays valid, in seconds; 0 or none: it stops at once.</summary>
    public double? GracePeriodSeconds { get; set; }
}

/// <summary>A key the router generated, in the one answer that shows it.</summary>
internal sealed record AppKeyIssued
{
    public string Name { get; init; } = "";

    public string ApiKey { get; init; } = "";

    /// <summary>Gets when the key this one replaced stops being valid, or <see langword="null"/> when it already has.</summary>
    public DateTimeOffset? PreviousKeyExpiresAt { get; init; }
}

/// <summary>The JSON of the admin API's live views (explain, state) and app key answers, in the admin API's camelCase.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(AdminState))]
[JsonSerializable(typeof(AppKeyRotation))]
[JsonSerializable(typeof(AppKeyIssued))]
[JsonSerializable(typeof(ModelRouterExplanation))]
internal sealed partial class AdminViewJsonContext : JsonSerializerContext
{
    /// <summary>Gets a context that writes names as they are (apostrophes, angle brackets): these bodies are API JSON, never HTML.</summary>
    public static AdminViewJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
