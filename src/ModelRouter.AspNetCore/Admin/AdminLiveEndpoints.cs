using Microsoft.AspNetCore.Http;
using ModelRouter.Health;
using ModelRouter.Model;
using ModelRouter.Routing;
using ModelRouter.Storage;
using static ModelRouter.AspNetCore.Admin.AdminRequests;
using static ModelRouter.AspNetCore.Admin.AdminResponses;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>
/// The admin API's live views, read from the configuration in use and the router's memory, never from the store:
/// <c>GET /routers/{slug}/explain?model=</c> and <c>GET /state</c>. Neither calls a vendor or changes any state.
/// </summary>
internal sealed class AdminLiveEndpoints(IModelRouter router, RoutingSnapshotProvider snapshots, TimeProvider timeProvider)
{
    /// <summary>The longest model name explained; longer ones are no name a pool could be meant for.</summary>
    private const int MaxModelLength = 256;

    public async Task ExplainAsync(HttpContext context)
    {
        var model = context.Request.Query["model"].ToString();
        if (model.Length == 0)
        {
            throw new AdminBadRequestException("The query parameter 'model' is required: the model name to explain, for example ?model=gpt-4o.", "model");
        }

        if (model.Length > MaxModelLength)
        {
            throw new AdminBadRequestException($"The query parameter 'model' is longer than {MaxModelLength} characters.", "model");
        }

        ModelRouterExplanation explanation;
        try
        {
            explanation = router.Explain(RouteKey(context), model);
        }
        catch (ModelRouterException ex) when (ex.Kind == ModelRouterErrorKind.RouterNotFound)
        {
            throw new RouterStoreException(RouterStoreError.NotFound, ex.Message);
        }
        catch (ModelRouterException ex) when (ex.Kind == ModelRouterErrorKind.NotConfigured)
        {
            await NotLoadedAsync(context).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, explanation, AdminViewJsonContext.Relaxed.ModelRouterExplanation).ConfigureAwait(false);
    }

    public async Task StateAsync(HttpContext context)
    {
        if (snapshots.Current is not { } snapshot)
        {
            await NotLoadedAsync(context).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, State(snapshot, timeProvider.GetUtcNow()), AdminViewJsonContext.Relaxed.AdminState).ConfigureAwait(false);
    }

    internal static AdminState State(RoutingSnapshot snapshot, DateTimeOffset now) => new()
    {
        Revision = snapshot.Revision,
        At = now,
        WindowMinutes = RecentCounts.Minutes,
        Llms = [.. snapshot.Llms.Select(l => Llm(l, now))],
        Routers = [.. snapshot.Routers.Values.OrderBy(r => r.Slug, StringComparer.Ordinal).Select(Router)],
    };

    private static AdminLlmState Llm(LlmSnapshot llm, DateTimeOffset now)
    {
        var health = llm.Health;
        var view = health.Describe(now);
        var state = new AdminLlmState
        {
            Id = llm.Id,
            Breaker = RouteExplainer.BreakerName(view.Breaker),
            BreakerOpenUntil = view.BreakerOpenUntil,
            RecentFailures = view.RecentFailures,
        };
        if (health.IsCooling(now, out var until, out var reason))
        {
            return view.TrialInFlight && view.CoolingUntil is null && reason != CooldownReason.CircuitOpen
                ? state with { Status = "trial_in_flight", Reason = RouteExplainer.ReasonName(reason) }
                : state with { Status = "cooling", CoolingUntil = until, Reason = RouteExplainer.ReasonName(reason) };
        }

        return view.TrialDue
            ? state with { Status = "trial_due", Reason = view.Reason == CooldownReason.None ? null : RouteExplainer.ReasonName(view.Reason) }
            : state;
    }

    private static AdminRouterState Router(RouterSnapshot router)
    {
        var minutes = router.Traffic.Read();
        return new AdminRouterState
        {
            Slug = router.Slug,
            Active = router.Config.Active,
            Requests = minutes.Sum(m => m.First),
            Errors = minutes.Sum(m => m.Second),
            Failovers = minutes.Sum(m => m.Third),
            Minutes = [.. minutes.Select(m => new AdminMinute(m.Start, m.First, m.Second, m.Third))],
        };
    }

    private static Task NotLoadedAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Not loaded", "The router has not loaded its configuration yet; retry later.");
    }
}
