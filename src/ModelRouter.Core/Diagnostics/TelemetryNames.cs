using ModelRouter.Configuration;
using ModelRouter.Forwarding;
using ModelRouter.Health;

namespace ModelRouter.Diagnostics;

/// <summary>Instrument and tag names (OpenTelemetry GenAI semantic conventions where they exist) and the bounded words used as tag values.</summary>
internal static class TelemetryNames
{
    public const string OperationDuration = "gen_ai.client.operation.duration";
    public const string TokenUsage = "gen_ai.client.token.usage";
    public const string TimeToFirstChunk = "gen_ai.client.operation.time_to_first_chunk";
    public const string Attempts = "model_router.attempts";
    public const string Failovers = "model_router.failovers";
    public const string Cooldowns = "model_router.llm.cooldowns";
    public const string BreakerOpenings = "model_router.llm.breaker_openings";
    public const string Refused = "model_router.requests.refused";
    public const string ObserverDropped = "model_router.observer.dropped";

    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string ErrorType = "error.type";
    public const string StatusCode = "http.response.status_code";
    public const string Router = "model_router.router";
    public const string Pool = "model_router.pool";
    public const string Llm = "model_router.llm";
    public const string App = "model_router.app";
    public const string SentModel = "model_router.model.sent";
    public const string Outcome = "model_router.attempt.outcome";
    public const string FailoverReason = "model_router.failover.reason";
    public const string CoolingReason = "model_router.cooldown.reason";
    public const string AttemptCount = "model_router.attempts";
    public const string Trail = "model_router.trail";
    public const string StreamEnd = "model_router.stream.end";

    /// <summary>The operation: every request is a chat completion.</summary>
    public const string Chat = "chat";

    /// <summary>The tag value of a model, router or pool that is not among the configured names.</summary>
    public const string Unknown = "unknown";

    /// <summary>The GenAI <c>gen_ai.provider.name</c> of a provider kind; a host's own kind keeps its configured name.</summary>
    public static string Provider(string kind) => kind switch
    {
        ProviderKinds.OpenAI => "openai",
        ProviderKinds.AzureOpenAI => "azure.ai.openai",
        ProviderKinds.Anthropic => "anthropic",
        ProviderKinds.Gemini => "gcp.gemini",
        ProviderKinds.Bedrock => "aws.bedrock",
        _ => kind,
    };

    /// <summary>Why a failed attempt failed over, as a tag value.</summary>
    public static string Reason(AttemptFailure failure) => failure.Verdict switch
    {
        AttemptVerdict.RateLimited => "rate_limited",
        AttemptVerdict.CredentialsRejected => "credentials_rejected",
        AttemptVerdict.Rejected => "rejected",
        AttemptVerdict.ContextWindowExceeded => "context_window",
        _ when failure.IsTimeout => "timeout",
        _ when failure.IsEmpty => "empty",
        _ when failure.StatusCode > 0 => "status",
        _ => "error",
    };

    public static string Word(CooldownReason reason) => reason switch
    {
        CooldownReason.RateLimited => "rate_limited",
        CooldownReason.Unavailable => "unavailable",
        CooldownReason.CredentialsRejected => "credentials_rejected",
        CooldownReason.CircuitOpen => "circuit_open",
        _ => "other",
    };

    public static string Word(ModelRouterStreamEnd end) => end switch
    {
        ModelRouterStreamEnd.Completed => "completed",
        ModelRouterStreamEnd.Cut => "cut",
        ModelRouterStreamEnd.ClientLeft => "client_left",
        _ => "none",
    };

    /// <summary>A status as text.</summary>
    public static string StatusWord(int status) => AttemptFailure.StatusWord(status);
}
