using ModelRouter.Health;
using ModelRouter.Upstream;

namespace ModelRouter.Forwarding;

/// <summary>
/// Why one attempt did not serve the request, and what that means: the verdict, the cooldown the LLM earns and why.
/// What a vendor's status or exception means is decided here, and only here.
/// </summary>
/// <param name="Llm">The id of the LLM the attempt went to.</param>
/// <param name="Verdict">What the attempt came to; never <see cref="AttemptVerdict.Served"/>.</param>
/// <param name="StatusCode">The vendor's status, or 0 when it sent none.</param>
/// <param name="Reason">A short, safe description for logs and the final error.</param>
/// <param name="IsTimeout">Whether a timeout ended the attempt.</param>
/// <param name="Cooldown">How long the LLM should cool (already capped), or <see langword="null"/> for none.</param>
/// <param name="CooldownReason">Why it cools.</param>
/// <param name="Error">What the client may see of a <see cref="AttemptVerdict.Rejected"/> answer.</param>
/// <param name="IsEmpty">Whether the vendor answered 2xx with nothing usable in it (no choice with content, a tool call or a finish reason).</param>
/// <param name="IsDeadline">Whether the request's deadline, not the LLM's own timeout, ended the attempt: the vendor is not to blame.</param>
internal sealed record AttemptFailure(
    string Llm, AttemptVerdict Verdict, int StatusCode, string Reason, bool IsTimeout, TimeSpan? Cooldown, CooldownReason CooldownReason, UpstreamErrorInfo? Error = null, bool IsEmpty = false, bool IsDeadline = false)
{
    /// <summary>An attempt the request's deadline cut short, before the LLM's own timeout: no verdict on the vendor.</summary>
    public static AttemptFailure Deadline(string llm, int statusCode)
        => new(llm, AttemptVerdict.Failed, statusCode, "the request's deadline passed", IsTimeout: true, null, CooldownReason.None, IsDeadline: true);

    /// <summary>Classifies a vendor's non-2xx status, honouring the pool's own list of statuses that fail over.</summary>
    /// <param name="llm">The LLM's id.</param>
    /// <param name="statusCode">The vendor's status.</param>
    /// <param name="failoverStatusCodes">The pool's override, or <see langword="null"/> for the default classification.</param>
    /// <param name="retryAfter">The vendor's <c>Retry-After</c>, if it sent one.</param>
    /// <param name="settings">The LLM's health settings: the credential cooldown and the cap on <c>Retry-After</c>.</param>
    public static AttemptFailure FromStatus(string llm, int statusCode, IReadOnlyList<int>? failoverStatusCodes, TimeSpan? retryAfter, LlmHealthSettings settings)
    {
        var verdict = statusCode switch
        {
            // Rejected credentials are never the client's to see: they fail over whatever the pool's list says.
            401 or 402 or 403 => AttemptVerdict.CredentialsRejected,
            _ when failoverStatusCodes is not null => !failoverStatusCodes.Contains(statusCode) ? AttemptVerdict.Rejected
                : statusCode == 429 ? AttemptVerdict.RateLimited
                : AttemptVerdict.Failed,
            429 => AttemptVerdict.RateLimited,
            408 => AttemptVerdict.Failed,
            >= 400 and < 500 => AttemptVerdict.Rejected,
            _ => AttemptVerdict.Failed,
        };

        var capped = retryAfter is { } wait && wait > settings.MaxRetryAfter ? settings.MaxRetryAfter : retryAfter;
        var (cooldown, reason) = verdict switch
        {
            AttemptVerdict.CredentialsRejected => (settings.CredentialCooldown, CooldownReason.CredentialsRejected),
            AttemptVerdict.RateLimited when capped is not null => (capped, CooldownReason.RateLimited),
            AttemptVerdict.Failed when capped is not null && statusCode is 503 or 529 => (capped, CooldownReason.Unavailable),
            _ => ((TimeSpan?)null, CooldownReason.None),
        };

        return new(llm, verdict, statusCode, $"status {statusCode}", IsTimeout: false, cooldown, reason);
    }

    /// <summary>A vendor that sent no valid answer: no connection, no headers in time, a broken or invalid body.</summary>
    public static AttemptFailure Broken(string llm, int statusCode, string reason, bool isTimeout = false)
        => new(llm, AttemptVerdict.Failed, statusCode, reason, isTimeout, null, CooldownReason.None);

    /// <summary>A vendor that answered 2xx with no usable answer: a failure of the vendor, failed over and counted against it.</summary>
    public static AttemptFailure Empty(string llm, int statusCode, string reason)
        => new(llm, AttemptVerdict.Failed, statusCode, reason, IsTimeout: false, null, CooldownReason.None, IsEmpty: true);

    /// <summary>A vendor that refused the request itself: the client sees <paramref name="error"/> with the vendor's status.</summary>
    public static AttemptFailure Rejected(string llm, int statusCode, UpstreamErrorInfo error)
        => new(llm, AttemptVerdict.Rejected, statusCode, $"status {statusCode}", IsTimeout: false, null, CooldownReason.None, error);

    /// <summary>A vendor that refused the request as longer than its context window: the request's fault for this vendor.</summary>
    public static AttemptFailure ContextWindowExceeded(string llm, int statusCode, UpstreamErrorInfo error)
        => new(llm, AttemptVerdict.ContextWindowExceeded, statusCode, "the request exceeds the vendor's context window", IsTimeout: false, null, CooldownReason.None, error);

    /// <summary>
    /// Tells whether a vendor's refusal says the request is longer than its context window: OpenAI's (and Azure's)
    /// <c>context_length_exceeded</c> code, Anthropic's "prompt is too long", Gemini's "input token count ... exceeds the
    /// maximum", and the "maximum context length" wording of OpenAI-compatible servers.
    /// </summary>
    public static bool IsContextWindowExceeded(int statusCode, UpstreamErrorInfo error)
    {
        if (statusCode is not (400 or 413 or 422))
        {
            return false;
        }

        if (string.Equals(error.Code, "context_length_exceeded", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var message = error.Message;
        return message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase)
            || message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)
            || message.Contains("context window", StringComparison.OrdinalIgnoreCase) && message.Contains("exceed", StringComparison.OrdinalIgnoreCase)
            || message.Contains("input token count", StringComparison.OrdinalIgnoreCase) && message.Contains("exceeds the maximum", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Gets a value indicating whether the request should go on to another vendor of the pool.</summary>
    public bool FailsOver => Verdict is not (AttemptVerdict.Rejected or AttemptVerdict.ContextWindowExceeded);

    /// <summary>
    /// Gets the attempt's outcome in one word, as the trail header and telemetry show it: the vendor's error status, or
    /// <c>timeout</c>, <c>empty</c> (a 2xx answer with nothing usable in it), <c>context_window</c> (the request exceeds the
    /// vendor's context window), or <c>error</c> (no answer, or a 2xx answer
    /// that was not valid).
    /// </summary>
    public string Outcome => IsTimeout ? "timeout" : IsEmpty ? "empty"
        : Verdict == AttemptVerdict.ContextWindowExceeded ? "context_window"
        : StatusCode >= 300 ? StatusWord(StatusCode) : "error";

    /// <summary>Gets this attempt's entry in the trail header: <c>{llm}={outcome}</c>.</summary>
    public string TrailEntry => string.Concat(Llm, "=", Outcome);

    /// <summary>The vendor's refusal of the request itself, for the client, with the vendor's status, type and code.</summary>
    public ModelRouterException ToRejection(int attempts, string? trail)
    {
        var error = Error ?? GenericError(StatusCode);
        return new ModelRouterException(ModelRouterErrorKind.UpstreamRejected, error.Message)
        {
            StatusCode = StatusCode,
            ErrorType = error.Type,
            ErrorCode = error.Code,
            Param = error.Param,
            Llm = Llm,
            Attempts = attempts,
            Trail = trail,
        };
    }

    /// <summary>A status as text, made once for the usual ones.</summary>
    public static string StatusWord(int status) => status switch
    {
        200 => "200",
        400 => "400",
        401 => "401",
        402 => "402",
        403 => "403",
        404 => "404",
        408 => "408",
        413 => "413",
        429 => "429",
        499 => "499",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        529 => "529",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>What the client sees of a refusal whose body says nothing usable.</summary>
    public static UpstreamErrorInfo GenericError(int status)
        => new($"The vendor rejected the request with status {status}.", UpstreamHttp.DefaultType(status), null, null);

    /// <summary>
    /// Tells whether an exception met while reading what a vendor sent is the vendor's fault: a timeout, a broken
    /// connection, or a body of the wrong shape (an adapter meeting an unexpected JSON type throws
    /// <see cref="InvalidOperationException"/> or <see cref="System.Text.Json.JsonException"/>).
    /// </summary>
    public static bool IsVendorFault(Exception ex)
        => ex is InvalidUpstreamResponseException or HttpRequestException or IOException or OperationCanceledException
            or InvalidOperationException or System.Text.Json.JsonException or FormatException or KeyNotFoundException;
}
