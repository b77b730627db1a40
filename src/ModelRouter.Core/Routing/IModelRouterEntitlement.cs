using System.Diagnostics.CodeAnalysis;

namespace ModelRouter.Routing;

/// <summary>
/// The gate a product built on the router puts in front of every router: while it denies, each request is answered
/// <c>402 Payment Required</c> and nothing is forwarded. The admin API is not gated, so an owner can still fix things.
/// </summary>
/// <remarks>The default lets everything through. Register one implementation in DI; the last registered wins.</remarks>
public interface IModelRouterEntitlement
{
    /// <summary>Tells whether the routers may serve requests now.</summary>
    /// <param name="reason">When they may not: what callers are told, for example how to renew a licence. Never a secret.</param>
    /// <remarks>Called on every request before anything else: keep it cheap (hold the licence state, do not fetch it here).</remarks>
    bool IsEntitled([NotNullWhen(false)] out string? reason);
}
