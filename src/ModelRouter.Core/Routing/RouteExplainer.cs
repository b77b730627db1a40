using ModelRouter.Health;
using ModelRouter.Matching;
using ModelRouter.Model;
using ModelRouter.Selection;
using Polly.CircuitBreaker;

namespace ModelRouter.Routing;

/// <summary>
/// Builds a <see cref="ModelRouterExplanation"/> from the same pieces a request uses (matcher, selector, LLM health),
/// reading them only: no vendor is called, no selection turn is taken, no health state changes.
/// </summary>
internal static class RouteExplainer
{
    public static ModelRouterExplanation Explain(RoutingSnapshot snapshot, RouterSnapshot router, string model, string instanceNamespace, IPoolMatcher matcher, VendorSelectorRegistry selectors, DateTimeOffset now)
    {
        var pool = matcher.Match(router, model);
        var passedOver = new List<ExplainedPool>();
        foreach (var other in router.Pools)
        {
            if (ReferenceEquals(other, pool))
            {
                break;
            }

            var reason = other.Pattern.IsMatch(model)
                ? "the pattern matches, but the pool matcher passed the pool over"
                : $"the pattern '{other.Pattern}' does not match";
            passedOver.Add(new ExplainedPool(other.Name, other.Config.Priority, other.Pattern.Pattern, reason));
        }

        var explanation = new ModelRouterExplanation
        {
            Router = router.Slug,
            Model = model,
            Revision = snapshot.Revision,
            At = now,
            RouterActive = router.Config.Active,
            ServedHere = router.IsServedIn(instanceNamespace),
            PassedOver = passedOver,
        };
        if (pool is null)
        {
            return explanation;
        }

        // What a request starting now would find: the vendors cooling are left out before selection, as FailoverState does.
        var available = pool.AvailableVendors;
        var cooling = default(VendorSet);
        for (var i = 0; i < available.Count; i++)
        {
            if (available[i].Llm.Health.IsCooling(now, out _, out _))
            {
                cooling.Add(i);
            }
        }

        var selector = selectors.For(pool);
        var order = selector is IVendorSelectorPreview preview ? Order(pool, selector, preview, cooling) : ConfigurationOrder(pool, cooling);
        return explanation with
        {
            Pool = pool.Name,
            Algorithm = pool.Config.Algorithm,
            MaxAttempts = pool.MaxAttempts,
            Vendors = [.. pool.Vendors.Select(v => Vendor(v, model, order, now))],
            Candidates = [.. order.Select(v => v.Llm.Id)],
            ExactOrder = selector is IVendorSelectorPreview,
        };
    }

    /// <summary>The first pick as the selector would make it now, then the failover picks, which take no turn by contract.</summary>
    private static List<VendorSnapshot> Order(PoolSnapshot pool, IVendorSelector selector, IVendorSelectorPreview preview, VendorSet cooling)
    {
        var order = new List<VendorSnapshot>();
        var tried = default(VendorSet);
        var next = preview.PeekVendor(pool, new VendorCandidates(tried, cooling));
        while (next is not null && order.Count < pool.MaxAttempts)
        {
            order.Add(next);
            tried.Add(next.PoolIndex);
            next = order.Count < pool.MaxAttempts ? selector.SelectVendor(pool, new VendorCandidates(tried, cooling, next.PoolIndex)) : null;
        }

        return order;
    }

    private static List<VendorSnapshot> ConfigurationOrder(PoolSnapshot pool, VendorSet cooling)
        => [.. pool.AvailableVendors.Where(v => !cooling.Contains(v.PoolIndex)).Take(pool.MaxAttempts)];

    private static ExplainedVendor Vendor(VendorSnapshot vendor, string model, List<VendorSnapshot> order, DateTimeOffset now)
    {
        var view = vendor.Llm.Health.Describe(now);
        var explained = new ExplainedVendor
        {
            Llm = vendor.Llm.Id,
            Active = vendor.Config.Active,
            Weight = vendor.Weight,
            MappedModel = vendor.MapModel(model),
            Breaker = BreakerName(view.Breaker),
            Trial = view.TrialDue,
        };
        if (!vendor.Config.Active)
        {
            return explained with { Skipped = "inactive", Detail = "the vendor is inactive" };
        }

        if (vendor.Weight <= 0)
        {
            return explained with { Skipped = "weight_zero", Detail = "the vendor's weight is 0, so it takes no traffic" };
        }

        if (vendor.Llm.Health.IsCooling(now, out var until, out var reason))
        {
            if (view.TrialInFlight && view.CoolingUntil is null && reason != CooldownReason.CircuitOpen)
            {
                return explained with { Skipped = "trial_in_flight", Detail = "another request holds its half-open trial; it is skipped until the trial ends" };
            }

            return explained with
            {
                Skipped = ReasonName(reason),
                Until = until,
                Detail = $"cooling until {until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}: {ReasonText(reason)}",
            };
        }

        var place = order.IndexOf(vendor);
        return place >= 0
            ? explained with { Order = place + 1 }
            : explained with { Skipped = "max_attempts", Detail = "the pool's maxAttempts is reached before this vendor" };
    }

    internal static string ReasonName(CooldownReason reason) => reason switch
    {
        CooldownReason.RateLimited => "rate_limited",
        CooldownReason.Unavailable => "unavailable",
        CooldownReason.CredentialsRejected => "credentials_rejected",
        CooldownReason.CircuitOpen => "circuit_open",
        _ => "none",
    };

    internal static string ReasonText(CooldownReason reason) => reason switch
    {
        CooldownReason.RateLimited => "the vendor rate limited the router (429) and asked it to wait",
        CooldownReason.Unavailable => "the vendor was unavailable (503/529) and asked the router to wait, or failed its half-open trial",
        CooldownReason.CredentialsRejected => "the vendor refused the router's credentials (401/402/403)",
        CooldownReason.CircuitOpen => "the circuit breaker opened after consecutive failures",
        _ => "not cooling",
    };

    internal static string BreakerName(CircuitState state) => state switch
    {
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Isolated => "isolated",
        _ => "closed",
    };
}
