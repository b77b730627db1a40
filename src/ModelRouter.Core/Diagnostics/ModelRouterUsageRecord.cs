namespace ModelRouter.Diagnostics;

/// <summary>What one finished request came to: who asked, who served, what it cost in tokens and time. Holds no key and no text of the conversation.</summary>
public sealed record ModelRouterUsageRecord
{
    /// <summary>Gets the router's slug; empty when the request named no configured router.</summary>
    public string Router { get; init; } = "";

    /// <summary>Gets the pool that handled the request, or <see langword="null"/> when none matched.</summary>
    public string? Pool { get; init; }

    /// <summary>Gets the calling app's name (never its key), or <see langword="null"/> when no app key is required or none was valid.</summary>
    public string? App { get; init; }

    /// <summary>Gets the LLM that served the request, or the last one tried when none did.</summary>
    public string? Llm { get; init; }

    /// <summary>Gets the model the client asked for, or <see langword="null"/> when the body was not read.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Gets the model name sent to the LLM that served (or was tried last), after mapping.</summary>
    public string? SentModel { get; init; }

    /// <summary>Gets the model the vendor's answer names, when it names one.</summary>
    public string? ResponseModel { get; init; }

    /// <summary>Gets the status of the answer: 200, or the status of the error the client got (499 when the client left before an answer).</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the error's kind when the request was not served.</summary>
    public ModelRouterErrorKind? Error { get; init; }

    /// <summary>Gets the attempts in the order they were made.</summary>
    public IReadOnlyList<ModelRouterAttemptRecord> Attempts { get; init; } = [];

    /// <summary>Gets the prompt tokens, when the answer reported them.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Gets the completion tokens, when the answer reported them.</summary>
    public long? OutputTokens { get; init; }

    /// <summary>Gets the time from the request's start to its end (for a stream, to its last event or its end).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the time from the request's start until the answer (for a stream, its first event) was ready to send.</summary>
    public TimeSpan? TimeToFirstByte { get; init; }

    /// <summary>Gets a value indicating whether the answer was a stream.</summary>
    public bool Streamed { get; init; }

    /// <summary>Gets how the stream ended; <see cref="ModelRouterStreamEnd.None"/> for a JSON answer.</summary>
    public ModelRouterStreamEnd StreamEnd { get; init; }
}
