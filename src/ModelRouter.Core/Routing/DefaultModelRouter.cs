using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Health;
using ModelRouter.Matching;
using ModelRouter.Selection;

namespace ModelRouter.Routing;

/// <summary>The routing pipeline behind <see cref="IModelRouter"/>: the endpoint and in-process callers share it.</summary>
internal sealed partial class DefaultModelRouter(
    RoutingSnapshotProvider snapshots,
    IPoolMatcher matcher,
    UpstreamInvoker upstream,
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
        try
        {
            ArgumentNullException.ThrowIfNull(request);
            cancellationToken.ThrowIfCancellationRequested();
            var pending = snapshots.GetSnapshotAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return RouteAfterSnapshotAsync(pending, request, cancellationToken);
            }

            var settings = options.Current;
            var (pool, body) = Resolve(pending.Result, request, settings);
            return ForwardAsync(pool, body, settings, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A cancelled task, as an async method would report it (IsCanceled, not IsFaulted).
            return ValueTask.FromCanceled<ModelRouterResponse>(cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<ModelRouterResponse>(ex);
        }
    }

    /// <summary>The first request (or one racing the first load) waits for the configuration here.</summary>
    private async ValueTask<ModelRouterResponse> RouteAfterSnapshotAsync(ValueTask<RoutingSnapshot> pending, ModelRouterRequest request, CancellationToken cancellationToken)
    {
        var snapshot = await pending.ConfigureAwait(false);
        var settings = options.Current;
        var (pool, body) = Resolve(snapshot, request, settings);
        return await ForwardAsync(pool, body, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Authenticates the caller, finds the router, parses the body and matches the pool; throws <see cref="ModelRouterException"/> on any refusal.</summary>
    private (PoolSnapshot Pool, ChatRequestBody Body) Resolve(RoutingSnapshot snapshot, ModelRouterRequest request, ModelRouterOptions settings)
    {
        if (snapshot.IsEmpty)
        {
            // Without this, every caller would hear that its key is wrong when the router has no configuration at all.
            throw new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no configuration: no routers and no apps are configured.");
        }

        AppConfig? app = null;
        if (settings.RequireAppKey)
        {
            if (string.IsNullOrEmpty(request.AppKey))
            {
                throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "No app key was given.");
            }

            app = snapshot.Apps.Find(request.AppKey)
                ?? throw new ModelRouterException(ModelRouterErrorKind.Unauthorized, "The app key is not valid.");
        }

        var slug = request.RouterSlug;
        if (!snapshot.TryGetRouter(slug, out var router) || !router.Config.Active || !router.IsServedIn(settings.Namespace))
        {
            throw new ModelRouterException(ModelRouterErrorKind.RouterNotFound, $"No active router '{Shorten(slug)}' is served here.");
        }

        if (app is not null && !Allows(app, slug))
        {
            throw new ModelRouterException(ModelRouterErrorKind.Forbidden, $"The app '{app.Name}' may not call router '{slug}'.");
        }

        if (request.Body.Length > settings.MaxRequestBodyBytes)
        {
            throw new ModelRouterException(ModelRouterErrorKind.RequestTooLarge, $"The request body is larger than the {settings.MaxRequestBodyBytes} byte limit.");
        }

        var body = ChatRequestBody.Parse(request.Body, settings.MaxJsonDepth);
        var pool = matcher.Match(router, body.Model)
            ?? throw new ModelRouterException(ModelRouterErrorKind.ModelNotFound, $"No pool of router '{slug}' matches model '{Shorten(body.Model)}'.") { Param = "model" };
        return (pool, body);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ModelRouterResponse> ForwardAsync(PoolSnapshot pool, ChatRequestBody body, ModelRouterOptions settings, CancellationToken cancellationToken)
    {
        var vendors = pool.AvailableVendors;
        if (vendors.Count == 0)
        {
            throw new ModelRouterException(ModelRouterErrorKind.NoAvailableVendor, $"Pool '{pool.Name}' of router '{pool.RouterSlug}' has no active vendor.");
        }

        var client = upstream.Current;
        var now = timeProvider.GetUtcNow();
        var tried = default(VendorSet);
        var cooling = default(VendorSet);
        FailureSummary? failures = null; // Only a request that meets trouble needs one.

        // Cooling vendors are left out before selection, so that selection stays fair among the rest.
        for (var i = 0; i < vendors.Count; i++)
        {
            if (vendors[i].Llm.Health.IsCooling(now, out var until, out var reason))
            {
                cooling.Add(i);
                (failures ??= new()).AddCooling(until - now, reason);
            }
        }

        var attempts = 0;
        var lastTried = -1;
        while (attempts < pool.MaxAttempts)
        {
            var vendor = pool.Selector.SelectVendor(pool, new VendorCandidates(tried, cooling, lastTried));
            if (vendor is null)
            {
                break;
            }

            // Read the clock for every attempt: an earlier attempt may have waited out a long timeout.
            now = timeProvider.GetUtcNow();
            tried.Add(vendor.PoolIndex);
            lastTried = vendor.PoolIndex;
            var health = vendor.Llm.Health;
            if (!health.TryEnter(now, out var isTrial))
            {
                // Cooling since the request started, or another request holds this vendor's half-open trial.
                cooling.Add(vendor.PoolIndex);
                health.IsCooling(now, out var until, out var reason);
                (failures ??= new()).AddCooling(until - now, reason);
                continue;
            }

            attempts++;
            var settled = false;
            AttemptResult attempt;
            try
            {
                try
                {
                    attempt = await TryVendorAsync(client, pool, vendor, body, attempts, settings, cancellationToken).ConfigureAwait(false);
                }
                catch (ModelRouterException)
                {
                    // The vendor answered, and the request itself was at fault: no failover, no penalty.
                    settled = true;
                    await health.CompleteAsync(isTrial, healthy: true, null, CooldownReason.None).ConfigureAwait(false);
                    throw;
                }

                settled = true;
                if (attempt.Response is not null)
                {
                    await health.CompleteAsync(isTrial, healthy: true, null, CooldownReason.None).ConfigureAwait(false);
                    return attempt.Response;
                }
            }
            finally
            {
                // A cancelled request, or anything unforeseen, counts against no one and releases a half-open trial.
                if (!settled)
                {
                    health.Abandon(isTrial);
                }
            }

            var failure = attempt.Failure!;
            var (cooldown, cooldownReason) = CooldownFor(failure, health.Settings);
            await health.CompleteAsync(isTrial, healthy: false, cooldown, cooldownReason).ConfigureAwait(false);
            (failures ??= new()).Add(failure, cooldown);
            if (failure.Outcome == UpstreamOutcome.CredentialFailure)
            {
                Log.VendorCredentialsRejected(logger, vendor.Llm.Id, failure.StatusCode);
            }

            if (attempts < pool.MaxAttempts && tried.Count + cooling.Count < vendors.Count)
            {
                Log.VendorFailedOver(logger, vendor.Llm.Id, pool.RouterSlug, pool.Name, failure.Reason);
            }
            else
            {
                Log.AllVendorsFailed(logger, pool.RouterSlug, pool.Name, attempts, vendor.Llm.Id, failure.Reason);
            }
        }

        throw (failures ?? new()).ToException(pool, attempts);
    }

    /// <summary>A cooldown the failure asks for: <c>Retry-After</c> on 429/503/529 (capped), or rejected credentials.</summary>
    private static (TimeSpan? Cooldown, CooldownReason Reason) CooldownFor(AttemptFailure failure, VendorHealthSettings settings)
    {
        if (failure.Outcome == UpstreamOutcome.CredentialFailure)
        {
            return (settings.CredentialCooldown, CooldownReason.CredentialsRejected);
        }

        if (failure.RetryAfter is { } wait && failure.StatusCode is 429 or 503 or 529)
        {
            var capped = wait > settings.MaxRetryAfter ? settings.MaxRetryAfter : wait;
            return (capped, failure.StatusCode == 429 ? CooldownReason.RateLimited : CooldownReason.Unavailable);
        }

        return (null, CooldownReason.None);
    }

    private static bool Allows(AppConfig app, string slug)
    {
        // Indexed, not foreach: enumerating an IReadOnlyList boxes an enumerator on every request.
        var routers = app.Routers;
        for (var i = 0; i < routers.Count; i++)
        {
            var allowed = routers[i];
            if (allowed == "*" || string.Equals(allowed, slug, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string text) => text.Length <= 128 ? text : string.Concat(text.AsSpan(0, 128), "…");
}
