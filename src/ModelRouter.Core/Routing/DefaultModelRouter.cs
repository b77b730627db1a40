using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Model;
using ModelRouter.Matching;
using ModelRouter.Selection;

namespace ModelRouter.Routing;

/// <summary>The routing pipeline behind <see cref="IModelRouter"/>: the endpoint and in-process callers share it.</summary>
internal sealed class DefaultModelRouter(
    RoutingSnapshotProvider snapshots,
    IPoolMatcher matcher,
    VendorSelectorRegistry selectors,
    VendorAttempt attempt,
    IModelRouterEntitlement entitlement,
    AppRateLimits limits,
    RouterTelemetry telemetries,
    ModelRouterSettings options,
    TimeProvider timeProvider,
    ILogger<DefaultModelRouter> logger) : IModelRouter
{
    /// <remarks>
    /// Not an async method: everything up to the upstream call (snapshot, key, router, body, pool) usually completes
    /// synchronously, so the request goes straight on to <see cref="ForwardAsync"/> without a state machine of its own.
    /// Refusals still arrive as a faulted task and a cancelled token as a cancelled one, never as a synchronous throw.
    /// </remarks>
    public ValueTask<ModelRouterResponse> RouteAsync(ModelRouterRequest request, CancellationToken cancellationToken = default)
    {
        // Null unless someone listens (a trace or metric listener, a usage observer).
        var telemetry = telemetries.Start();
        try
        {
            ArgumentNullException.ThrowIfNull(request);
            cancellationToken.ThrowIfCancellationRequested();
            var pending = snapshots.GetSnapshotAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return RouteAfterSnapshotAsync(pending, request, telemetry, cancellationToken);
            }

            var settings = options.Current;
            var (pool, body, timeout) = Resolve(pending.Result, request, settings, ref telemetry);
            return ForwardAsync(pool, body, settings, timeout, telemetry, cancellationToken);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // A cancelled task, as an async method would report it (IsCanceled, not IsFaulted).
            telemetry?.Failed(ex);
            return ValueTask.FromCanceled<ModelRouterResponse>(cancellationToken);
        }
        catch (Exception ex)
        {
            telemetry?.Failed(ex);
            return ValueTask.FromException<ModelRouterResponse>(ex);
        }
    }

    /// <summary>The first request (or one racing the first load) waits for the configuration here.</summary>
    private async ValueTask<ModelRouterResponse> RouteAfterSnapshotAsync(
        ValueTask<RoutingSnapshot> pending, ModelRouterRequest request, RequestTelemetry? telemetry, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await pending.ConfigureAwait(false);
            var settings = options.Current;
            var (pool, body, timeout) = Resolve(snapshot, request, settings, ref telemetry);
            return await ForwardAsync(pool, body, settings, timeout, telemetry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (telemetry is not null && telemetry.Failed(ex))
        {
            throw; // Never reached: the filter only records the failure.
        }
    }

    /// <summary>
    /// Authenticates the caller, finds the router, parses the body, matches the pool and counts the request against the
    /// app's limits; throws <see cref="ModelRouterException"/> on any refusal.
    /// </summary>
    /// <remarks>Starts the request's <paramref name="telemetry"/> when nobody listens but the app's tokens must be counted from the answer.</remarks>
    private (PoolSnapshot Pool, ChatRequestBody Body, TimeSpan? Timeout) Resolve(RoutingSnapshot snapshot, ModelRouterRequest request, ModelRouterOptions settings, ref RequestTelemetry? telemetry)
    {
        if (!entitlement.IsEntitled(out var denied))
        {
            throw new ModelRouterException(ModelRouterErrorKind.PaymentRequired, denied);
        }

        RouterSnapshot router;
        AppConfig? app;
        ChatRequestBody body;
        if (request.RouterFromModel)
        {
            // The unified endpoint: the app first, then the body, whose model names the router.
            app = RouterAccess.ResolveApp(snapshot, settings, request.TrustedCaller ? null : request.AppKey, timeProvider, request.TrustedCaller, request.AppName);
            body = ParseBody(request, settings);
            router = RouterAccess.FindRouter(snapshot, settings, body.TakeRouterSlug(), app);
            telemetry?.RouterFound(router.Config.Slug, app?.Name);
        }
        else
        {
            router = RouterAccess.Authorize(snapshot, settings, request.RouterSlug, request.TrustedCaller ? null : request.AppKey, timeProvider, out app, request.TrustedCaller, request.AppName);
            telemetry?.RouterFound(router.Config.Slug, app?.Name);
            body = ParseBody(request, settings);
        }

        var pool = Match(router, body, telemetry);
        var timeout = Timeout(router, request);

        // Last, so that a request refused for any other reason does not use up the app's window.
        if (app is not null && limits.Start(app) is { } tokenWindow)
        {
            telemetry ??= telemetries.StartCounting();
            telemetry.CountTokensIn(tokenWindow);
        }

        return (pool, body, timeout);
    }

    /// <summary>The request's own timeout, else its router's; <see langword="null"/> when neither sets one.</summary>
    private static TimeSpan? Timeout(RouterSnapshot router, ModelRouterRequest request)
    {
        var timeout = request.Timeout ?? (router.Config.RequestTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ModelRouterException(ModelRouterErrorKind.InvalidRequest, "The request's timeout must be greater than 0.") { Param = ModelRouterHeaders.Timeout };
        }

        return timeout;
    }

    private static ChatRequestBody ParseBody(ModelRouterRequest request, ModelRouterOptions settings)
    {
        if (request.Body.Length > settings.MaxRequestBodyBytes)
        {
            throw new ModelRouterException(ModelRouterErrorKind.RequestTooLarge, $"The request body is larger than the {settings.MaxRequestBodyBytes} byte limit.");
        }

        var body = ChatRequestBody.Parse(request.Body, settings.MaxJsonDepth, request.Operation);
        if (request.Operation == ModelRouterOperation.Messages)
        {
            body.AnthropicVersion = request.AnthropicVersion;
            body.AnthropicBeta = request.AnthropicBeta;
        }

        return body;
    }

    private PoolSnapshot Match(RouterSnapshot router, ChatRequestBody body, RequestTelemetry? telemetry)
    {
        var pool = matcher.Match(router, body.Model)
            ?? throw new ModelRouterException(ModelRouterErrorKind.ModelNotFound, $"No pool of router '{router.Slug}' matches model '{Shorten(body.Model)}'.") { Param = "model" };
        telemetry?.Matched(pool, body.Model);
        return pool;
    }

    /// <summary>
    /// Select, attempt, report, until a vendor serves the request, or the pool and the fallback pools it may go on to are
    /// exhausted.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ModelRouterResponse> ForwardAsync(
        PoolSnapshot pool, ChatRequestBody body, ModelRouterOptions settings, TimeSpan? timeout, RequestTelemetry? telemetry, CancellationToken cancellationToken)
    {
        try
        {
            // One deadline for the whole request: every attempt, failover and fallback pool shares it.
            var deadline = timeout is { } wait ? timeProvider.GetUtcNow() + wait : (DateTimeOffset?)null;
            if (pool.AvailableVendors.Count == 0 && pool.FallbackPools.Length == 0)
            {
                pool.Traffic.Record(0, served: false);
                throw NoActiveVendor(pool);
            }

            // The matched pool's maxAttempts bounds the whole request, its fallback pools included.
            var maxAttempts = pool.Config.MaxAttempts ?? int.MaxValue;
            var attempts = 0;
            string? trail = null;
            PoolChain? chain = null;
            while (true)
            {
                var selector = selectors.For(pool);
                var state = new FailoverState(pool, timeProvider.GetUtcNow(), trail);
                var poolAttempts = 0;
                PoolSnapshot? contextFallback = null;
                while (poolAttempts < pool.MaxAttempts && attempts < maxAttempts && selector.SelectVendor(pool, state.Candidates) is { } vendor)
                {
                    // Read the clock for every attempt: an earlier attempt may have waited out a long timeout.
                    var now = timeProvider.GetUtcNow();
                    if (now >= deadline)
                    {
                        // No attempt starts once the deadline has passed: it could not answer before it.
                        pool.Traffic.Record(attempts, served: false);
                        throw DeadlinePassed(timeout!.Value, attempts, state.Trail, null);
                    }

                    state.Picked(vendor);
                    if (body.Operation != ModelRouterOperation.ChatCompletions && !attempt.Serves(vendor, body.Operation))
                    {
                        // Every provider serves chat completions; for another operation, a vendor whose provider does not
                        // serve it is passed over without an attempt, a penalty or a turn of its health.
                        state.NotServing();
                        continue;
                    }

                    var health = vendor.Llm.Health;
                    if (!health.TryEnter(now, out var isTrial))
                    {
                        state.FoundCooling(vendor, now);
                        continue;
                    }

                    attempts++;
                    poolAttempts++;
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        var model = vendor.MapModel(body.Model);
                        Log.VendorSelected(logger, pool.RouterSlug, pool.Name, attempts, vendor.Llm.Id, model);
                    }

                    telemetry?.AttemptStarted(vendor);
                    AttemptOutcome outcome;
                    try
                    {
                        outcome = await attempt.SendAsync(pool, vendor, body, settings, deadline, wantsUsage: telemetry is not null, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ModelRouterException)
                    {
                        // The request cannot be translated for this provider: the request's fault, not the LLM's.
                        await health.CompleteAsync(isTrial, healthy: true, null, CooldownReason.None).ConfigureAwait(false);
                        pool.Traffic.Record(attempts, served: false);
                        throw;
                    }
                    catch
                    {
                        // A cancelled request, or anything unforeseen, counts against no one and releases a half-open trial.
                        health.Abandon(isTrial);
                        throw;
                    }

                    var failure = outcome.Failure;
                    telemetry?.AttemptEnded(outcome);
                    if (failure is { IsDeadline: true })
                    {
                        // The request's deadline, not the vendor, ended the attempt: no verdict on the vendor, and no more attempts.
                        health.Abandon(isTrial);
                        pool.Traffic.Record(attempts, served: false);
                        throw DeadlinePassed(timeout!.Value, attempts, state.TrailWith(failure.TrailEntry), failure.Llm);
                    }

                    if (failure is not null || isTrial || outcome.Stream is null)
                    {
                        // A committed stream reports itself when it ends (a clean end or a break); a trial is decided at commit.
                        await health.CompleteAsync(isTrial, healthy: failure is not { FailsOver: true }, failure?.Cooldown, failure?.CooldownReason ?? CooldownReason.None).ConfigureAwait(false);
                    }

                    if (failure is null)
                    {
                        pool.Traffic.Record(attempts, served: true);
                        return new ModelRouterResponse(vendor, pool, attempts, outcome, state.TrailWith(vendor.Llm.ServedTrailEntry), telemetry);
                    }

                    if (!failure.FailsOver)
                    {
                        // A request too long for this vendor goes on to a pool with larger windows, if the pool names one.
                        contextFallback = failure.Verdict == AttemptVerdict.ContextWindowExceeded && attempts < maxAttempts && pool.ContextWindowFallbackPools.Length > 0
                            ? (chain ??= new PoolChain(pool)).NextForContextWindow(pool, timeProvider.GetUtcNow())
                            : null;
                        if (contextFallback is null)
                        {
                            pool.Traffic.Record(attempts, served: false);
                            throw failure.ToRejection(attempts, state.TrailWith(failure.TrailEntry));
                        }

                        state.Failed(failure);
                        break;
                    }

                    state.Failed(failure);
                    ReportFailure(pool, failure, attempts, lastAttempt: attempts >= maxAttempts || state.IsExhausted(pool, poolAttempts));
                }

                // The pool is exhausted: go on to the first fallback pool with an available vendor, if attempts are left.
                var next = contextFallback ?? (attempts < maxAttempts && (pool.FallbackPools.Length > 0 || chain is not null)
                    ? (chain ??= new PoolChain(pool)).Next(pool, timeProvider.GetUtcNow())
                    : null);
                if (next is null)
                {
                    pool.Traffic.Record(attempts, served: false);
                    throw attempts == 0 && pool.AvailableVendors.Count == 0 ? NoActiveVendor(pool) : state.ToException(pool, attempts, body.Operation);
                }

                Log.PoolFellBack(logger, pool.RouterSlug, pool.Name, next.Name);
                trail = PoolChain.TrailInto(state.Trail, next);
                pool = next;
            }
        }
        catch (Exception ex) when (telemetry is not null && telemetry.Failed(ex))
        {
            throw; // Never reached: the filter only records the failure, without unwinding.
        }
    }

    private static ModelRouterException DeadlinePassed(TimeSpan timeout, int attempts, string? trail, string? llm)
        => new(ModelRouterErrorKind.UpstreamTimeout, $"The request's deadline of {timeout.TotalMilliseconds:0} ms passed before a vendor answered ({attempts} tried).")
        {
            Llm = llm,
            Attempts = attempts,
            Trail = trail,
        };

    private static ModelRouterException NoActiveVendor(PoolSnapshot pool)
        => new(ModelRouterErrorKind.NoAvailableVendor, $"Pool '{pool.Name}' of router '{pool.RouterSlug}' has no active vendor.");

    private void ReportFailure(PoolSnapshot pool, AttemptFailure failure, int attempts, bool lastAttempt)
    {
        if (failure.Verdict == AttemptVerdict.CredentialsRejected)
        {
            Log.LlmCredentialsRejected(logger, failure.Llm, failure.StatusCode);
        }

        if (lastAttempt)
        {
            Log.AllVendorsFailed(logger, pool.RouterSlug, pool.Name, attempts, failure.Llm, failure.Reason);
        }
        else
        {
            Log.VendorFailedOver(logger, failure.Llm, pool.RouterSlug, pool.Name, failure.Reason);
        }
    }

    /// <inheritdoc/>
    public ModelRouterExplanation Explain(string routerSlug, string model)
    {
        ArgumentNullException.ThrowIfNull(routerSlug);
        ArgumentNullException.ThrowIfNull(model);
        var snapshot = snapshots.Current
            ?? throw new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has not loaded its configuration yet.");
        if (!snapshot.TryGetRouter(routerSlug, out var router))
        {
            throw new ModelRouterException(ModelRouterErrorKind.RouterNotFound, $"No router '{Shorten(routerSlug)}' is configured.");
        }

        return RouteExplainer.Explain(snapshot, router, model, options.Current.Namespace, matcher, selectors, timeProvider.GetUtcNow());
    }

    private static string Shorten(string text) => RouterAccess.Shorten(text);
}
