using System.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Model;
using ModelRouter.Upstream;

namespace ModelRouter.Diagnostics;

/// <summary>
/// One request's spans, measurements and usage record, from its start to the end of its answer. Exists only while
/// someone listens (<see cref="RouterTelemetry.Start"/>); the request path calls it through a null check.
/// </summary>
/// <remarks>
/// Tag values are configured names (router, pool, LLM, app, mapped model), the vendor's model and counts, and outcome
/// words; the model a client asked for is a metric tag only when it is a configured name. Never a key, a message or
/// conversation text.
/// </remarks>
internal sealed class RequestTelemetry
{
    private readonly RouterTelemetry _owner;
    private readonly long _started;
    private readonly Activity? _route;
    private readonly List<ModelRouterAttemptRecord> _attempts = new(1);
    private Activity? _attempt;
    private bool _attemptOpen;
    private long _attemptStarted;
    private string _router = "";
    private string? _app;
    private PoolSnapshot? _pool;
    private string? _requestedModel;
    private string _metricModel = TelemetryNames.Unknown;
    private VendorSnapshot? _vendor;
    private string? _sentModel;
    private string? _responseModel;
    private long? _inputTokens;
    private long? _outputTokens;
    private TimeSpan? _firstByte;
    private bool _streamed;
    private ModelRouterStreamEnd _streamEnd;
    private int _finished;
    private AppLimitWindow? _tokenWindow;

    public RequestTelemetry(RouterTelemetry owner)
    {
        _owner = owner;
        _started = owner.Time.GetTimestamp();
        if (RouterTelemetry.Source.HasListeners())
        {
            // The span is not made current: it ends when the answer is disposed, in the caller's hands, not when RouteAsync returns.
            var current = Activity.Current;
            _route = RouterTelemetry.Source.StartActivity("route", ActivityKind.Server);
            Activity.Current = current;
            _route?.SetTag(TelemetryNames.OperationName, TelemetryNames.Chat);
        }
    }

    /// <summary>The request named a configured router (and the app, if keys are required, is known).</summary>
    public void RouterFound(string routerSlug, string? appName)
    {
        _router = routerSlug;
        _app = appName;
        if (_route is { } route)
        {
            route.DisplayName = "route " + routerSlug;
            route.SetTag(TelemetryNames.Router, routerSlug);
            route.SetTag(TelemetryNames.App, appName);
        }
    }

    /// <summary>The request's body was read and a pool matched it.</summary>
    public void Matched(PoolSnapshot pool, string requestedModel)
    {
        _pool = pool;
        _requestedModel = requestedModel;
        _metricModel = IsConfigured(pool, requestedModel) ? requestedModel : TelemetryNames.Unknown;
        _route?.SetTag(TelemetryNames.Pool, pool.Name);
        _route?.SetTag(TelemetryNames.RequestModel, requestedModel);
    }

    /// <summary>An attempt at <paramref name="vendor"/> begins: its client span becomes current, so the HTTP call nests under it.</summary>
    public void AttemptStarted(VendorSnapshot vendor)
    {
        _vendor = vendor;
        _sentModel = vendor.MapModel(_requestedModel ?? "");
        _attemptStarted = _owner.Time.GetTimestamp();
        _attemptOpen = true;
        if (_route is { } route && RouterTelemetry.Source.HasListeners())
        {
            _attempt = RouterTelemetry.Source.StartActivity("chat " + _sentModel, ActivityKind.Client, route.Context);
            if (_attempt is { } attempt)
            {
                attempt.SetTag(TelemetryNames.OperationName, TelemetryNames.Chat);
                attempt.SetTag(TelemetryNames.ProviderName, TelemetryNames.Provider(vendor.Llm.Config.Provider));
                attempt.SetTag(TelemetryNames.RequestModel, _requestedModel);
                attempt.SetTag(TelemetryNames.SentModel, _sentModel);
                attempt.SetTag(TelemetryNames.Router, _router);
                attempt.SetTag(TelemetryNames.Pool, _pool?.Name);
                attempt.SetTag(TelemetryNames.Llm, vendor.Llm.Id);
            }
        }
    }

    /// <summary>The attempt came to an outcome: a failure, or the answer (for a stream, its first event) of the vendor that serves.</summary>
    public void AttemptEnded(in AttemptOutcome outcome)
    {
        if (outcome.Failure is { } failure)
        {
            EndAttempt(failure.Outcome, failure.StatusCode, failure.Outcome);
            if (failure.FailsOver && _owner.Failovers.Enabled)
            {
                var tags = BaseTags();
                tags.Add(TelemetryNames.FailoverReason, TelemetryNames.Reason(failure));
                _owner.Failovers.Add(1, tags);
            }

            return;
        }

        _streamed = outcome.Stream is not null;
        _firstByte = _owner.Time.GetElapsedTime(_started);
        var content = outcome.Content.Span;
        _responseModel = AnswerReader.ReadModel(content);
        ReadUsage(content);
        if (_attempt is { } attempt)
        {
            attempt.SetTag(TelemetryNames.ResponseModel, _responseModel);
            attempt.SetTag(TelemetryNames.InputTokens, _inputTokens);
            attempt.SetTag(TelemetryNames.OutputTokens, _outputTokens);
        }

        EndAttempt("ok", 200, null);
        if (_streamed && _owner.TimeToFirstChunk.Enabled)
        {
            _owner.TimeToFirstChunk.Record(_firstByte.Value.TotalSeconds, MetricTags());
        }
    }

    /// <summary>The attempt ended in an exception: the request could not be translated, or the caller cancelled.</summary>
    private void AttemptAbandoned(Exception exception)
    {
        var word = exception switch
        {
            ModelRouterException => "invalid",
            OperationCanceledException => "cancelled",
            _ => "error",
        };
        EndAttempt(word, 0, word);
    }

    /// <summary>The answer's tokens count against the app's window when the request finishes.</summary>
    public void CountTokensIn(AppLimitWindow window) => _tokenWindow = window;

    /// <summary>A stream event passed to the client; the last ones carry the usage.</summary>
    public void Chunk(ReadOnlySpan<byte> chunk) => ReadUsage(chunk);

    /// <summary>Takes the usage a translating adapter counted itself.</summary>
    public void Usage(long? inputTokens, long? outputTokens)
    {
        _inputTokens = inputTokens ?? _inputTokens;
        _outputTokens = outputTokens ?? _outputTokens;
    }

    /// <summary>Records how the stream ended (the first word counts).</summary>
    public void StreamEnded(ModelRouterStreamEnd end)
    {
        if (_streamEnd == ModelRouterStreamEnd.None)
        {
            _streamEnd = end;
        }
    }

    /// <summary>
    /// Ends a request that was not served: records the refusal and finishes. Returns <see langword="false"/>, for use in
    /// an exception filter (nothing is caught, and the stack is not unwound twice).
    /// </summary>
    public bool Failed(Exception exception)
    {
        if (_attemptOpen)
        {
            AttemptAbandoned(exception);
        }

        var (status, kind) = exception switch
        {
            ModelRouterException ex => (ex.StatusCode, (ModelRouterErrorKind?)ex.Kind),
            OperationCanceledException => (499, null),
            _ => (500, ModelRouterErrorKind.Internal),
        };
        Finish(status, kind);
        return false;
    }

    /// <summary>Ends a served request when its answer is disposed: a stream not read to its end was left by the client.</summary>
    public void Completed()
    {
        if (_streamed)
        {
            StreamEnded(ModelRouterStreamEnd.ClientLeft);
        }

        Finish(200, null);
    }

    private void EndAttempt(string word, int status, string? error)
    {
        var elapsed = _owner.Time.GetElapsedTime(_attemptStarted);
        _attemptOpen = false;
        _attempts.Add(new ModelRouterAttemptRecord
        {
            Llm = _vendor?.Llm.Id ?? "",
            Model = _sentModel ?? "",
            Outcome = word,
            StatusCode = status,
            Duration = elapsed,
        });
        if (_attempt is { } attempt)
        {
            _attempt = null;
            if (error is not null)
            {
                attempt.SetTag(TelemetryNames.ErrorType, error);
                attempt.SetStatus(ActivityStatusCode.Error);
            }

            attempt.Stop();
        }

        if (_owner.Attempts.Enabled)
        {
            var tags = BaseTags();
            tags.Add(TelemetryNames.Outcome, word);
            _owner.Attempts.Add(1, tags);
        }

        if (_owner.OperationDuration.Enabled)
        {
            var tags = MetricTags();
            if (error is not null)
            {
                tags.Add(TelemetryNames.ErrorType, error);
            }

            _owner.OperationDuration.Record(elapsed.TotalSeconds, tags);
        }
    }

    private void Finish(int status, ModelRouterErrorKind? error)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        var duration = _owner.Time.GetElapsedTime(_started);
        if (_tokenWindow is { } window && (_inputTokens ?? 0) + (_outputTokens ?? 0) is var tokens and > 0)
        {
            window.AddTokens(tokens, _owner.Time.GetUtcNow());
        }

        var errorType = error is { } kind ? ErrorWord(kind) : status == 499 ? "cancelled" : null;
        if (errorType is not null && _owner.Refused.Enabled)
        {
            var tags = new TagList
            {
                { TelemetryNames.Router, _router.Length > 0 ? _router : TelemetryNames.Unknown },
                { TelemetryNames.StatusCode, TelemetryNames.StatusWord(status) },
                { TelemetryNames.ErrorType, errorType },
            };
            _owner.Refused.Add(1, tags);
        }

        if (errorType is null && _owner.TokenUsage.Enabled)
        {
            if (_inputTokens is { } input)
            {
                var tags = MetricTags();
                tags.Add(TelemetryNames.TokenType, "input");
                _owner.TokenUsage.Record(input, tags);
            }

            if (_outputTokens is { } output)
            {
                var tags = MetricTags();
                tags.Add(TelemetryNames.TokenType, "output");
                _owner.TokenUsage.Record(output, tags);
            }
        }

        if (_route is { } route)
        {
            route.SetTag(TelemetryNames.Llm, _vendor?.Llm.Id);
            route.SetTag(TelemetryNames.ProviderName, _vendor is null ? null : TelemetryNames.Provider(_vendor.Llm.Config.Provider));
            route.SetTag(TelemetryNames.SentModel, _sentModel);
            route.SetTag(TelemetryNames.ResponseModel, _responseModel);
            route.SetTag(TelemetryNames.InputTokens, _inputTokens);
            route.SetTag(TelemetryNames.OutputTokens, _outputTokens);
            route.SetTag(TelemetryNames.AttemptCount, _attempts.Count);
            route.SetTag(TelemetryNames.StatusCode, status);
            if (_streamed)
            {
                route.SetTag(TelemetryNames.StreamEnd, TelemetryNames.Word(_streamEnd));
            }

            if (errorType is not null || _streamEnd == ModelRouterStreamEnd.Cut)
            {
                route.SetTag(TelemetryNames.ErrorType, errorType ?? "stream_cut");
                route.SetStatus(ActivityStatusCode.Error);
            }

            route.Stop();
        }

        if (_owner.Observers is not null)
        {
            _owner.Post(new ModelRouterUsageRecord
            {
                Router = _router,
                Pool = _pool?.Name,
                App = _app,
                Llm = _vendor?.Llm.Id,
                RequestedModel = _requestedModel,
                SentModel = _sentModel,
                ResponseModel = _responseModel,
                StatusCode = status,
                Error = error,
                Attempts = _attempts,
                InputTokens = _inputTokens,
                OutputTokens = _outputTokens,
                Duration = duration,
                TimeToFirstByte = _firstByte,
                Streamed = _streamed,
                StreamEnd = _streamEnd,
            });
        }
    }

    private void ReadUsage(ReadOnlySpan<byte> utf8)
    {
        if (AnswerReader.TryReadUsage(utf8, out var input, out var output))
        {
            _inputTokens = input;
            _outputTokens = output;
        }
    }

    /// <summary>The tags of the attempt counters: router, pool, LLM.</summary>
    private TagList BaseTags() => new()
    {
        { TelemetryNames.Router, _router },
        { TelemetryNames.Pool, _pool?.Name },
        { TelemetryNames.Llm, _vendor?.Llm.Id },
    };

    /// <summary>The tags of the GenAI instruments.</summary>
    private TagList MetricTags()
    {
        var tags = BaseTags();
        tags.Add(TelemetryNames.OperationName, TelemetryNames.Chat);
        tags.Add(TelemetryNames.ProviderName, _vendor is null ? null : TelemetryNames.Provider(_vendor.Llm.Config.Provider));
        tags.Add(TelemetryNames.RequestModel, _metricModel);
        if (_responseModel is not null)
        {
            tags.Add(TelemetryNames.ResponseModel, _responseModel);
        }

        return tags;
    }

    /// <summary>A requested model is a configured name when a vendor maps it or the pool's pattern names it without wildcards.</summary>
    private static bool IsConfigured(PoolSnapshot pool, string model)
    {
        if (string.Equals(pool.Config.ModelPattern, model, StringComparison.OrdinalIgnoreCase) && pool.Config.ModelPattern.AsSpan().IndexOfAny("*?[") < 0)
        {
            return true;
        }

        foreach (var vendor in pool.Vendors)
        {
            if (!vendor.MapModelJson(model).IsEmpty)
            {
                return true;
            }
        }

        return false;
    }

    private static string ErrorWord(ModelRouterErrorKind kind) => kind switch
    {
        ModelRouterErrorKind.InvalidRequest => "invalid_request",
        ModelRouterErrorKind.Unauthorized => "unauthorized",
        ModelRouterErrorKind.Forbidden => "forbidden",
        ModelRouterErrorKind.RouterNotFound => "router_not_found",
        ModelRouterErrorKind.ModelNotFound => "model_not_found",
        ModelRouterErrorKind.MethodNotAllowed => "method_not_allowed",
        ModelRouterErrorKind.RequestTooLarge => "request_too_large",
        ModelRouterErrorKind.UpstreamRejected => "upstream_rejected",
        ModelRouterErrorKind.RateLimited => "rate_limited",
        ModelRouterErrorKind.AllVendorsFailed => "all_vendors_failed",
        ModelRouterErrorKind.UpstreamTimeout => "upstream_timeout",
        ModelRouterErrorKind.NoAvailableVendor => "no_available_vendor",
        ModelRouterErrorKind.StreamInterrupted => "stream_interrupted",
        ModelRouterErrorKind.StoreUnavailable => "store_unavailable",
        ModelRouterErrorKind.NotConfigured => "not_configured",
        _ => "internal",
    };
}
