using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelRouter.Model;
using ModelRouter.Routing;
using ModelRouter.Storage;

namespace ModelRouter.AspNetCore;

/// <summary>
/// Authenticates a client app by the key it sends as <c>Authorization: Bearer</c>, under the router's rules (hashed
/// lookup, rotation grace periods, revoked keys, inactive and expired apps), and signs it in as a principal named after
/// the app. No key: no result, so another scheme of the host (JWT, cookies) may authenticate the request instead.
/// </summary>
internal sealed class AppKeyAuthenticationHandler(
    IOptionsMonitor<AppKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    RoutingSnapshotProvider snapshots,
    ModelRouterSettings settings,
    TimeProvider time)
    : AuthenticationHandler<AppKeyAuthenticationOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = RouterRequestReader.ReadBearer(Request);
        if (string.IsNullOrEmpty(key))
        {
            return AuthenticateResult.NoResult();
        }

        RoutingSnapshot snapshot;
        try
        {
            snapshot = await snapshots.GetSnapshotAsync(Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RouterStoreUnavailableException or ModelRouterConfigurationException)
        {
            // Nothing to check the key against yet: the router's endpoints answer 503 themselves.
            return AuthenticateResult.NoResult();
        }

        try
        {
            var app = RouterAccess.Authenticate(snapshot, key, time);
            var claimType = settings.Current.AppClaimType;
            var claims = new List<Claim>(2) { new(ClaimTypes.Name, app.Name) };
            if (claimType != ClaimTypes.Name)
            {
                claims.Add(new Claim(claimType, app.Name));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name, ClaimTypes.Name, ClaimTypes.Role));
            return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
        }
        catch (ModelRouterException ex)
        {
            // The message names the app at most, never the key.
            return AuthenticateResult.Fail(ex.Message);
        }
    }

    /// <summary>Answers 401 in the OpenAI envelope, with the reason the key was refused when there was one.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure?.Message;
        Response.Headers.WWWAuthenticate = "Bearer";
        await RouterErrorWriter.WriteErrorAsync(Context, new ModelRouterException(
            ModelRouterErrorKind.Unauthorized,
            failure ?? "No app key was sent. Send 'Authorization: Bearer <app key>'.")).ConfigureAwait(false);
    }

    /// <summary>Answers 403 in the OpenAI envelope.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        => RouterErrorWriter.WriteErrorAsync(Context, new ModelRouterException(ModelRouterErrorKind.Forbidden, "The app may not call this endpoint."));

    /// <summary>Gets the app the host signed the caller in as: the app claim of an authenticated identity, read without allocating when no authentication ran.</summary>
    internal static string? AppNameOf(HttpContext context, string claimType)
    {
        if (context.Features.Get<IHttpAuthenticationFeature>()?.User is not { } user)
        {
            return null;
        }

        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated && identity.FindFirst(claimType)?.Value is { Length: > 0 } name)
            {
                return name;
            }
        }

        return null;
    }
}
