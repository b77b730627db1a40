using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;

namespace ModelRouter.AspNetCore.Tests;

/// <summary>
/// The app as an ASP.NET Core principal: the app-key authentication scheme, and a host's own sign-in naming the app in a
/// claim (type configured as <c>tenant</c> here), which keeps the app's router permissions with <c>requireAppKey</c> off.
/// </summary>
[TestFixture]
public sealed class AppAuthenticationTests
{
    private const string UserHeader = "X-Test-User";
    private const string TenantHeader = "X-Test-Tenant";
    private const string TeamKey = "team-key-0123456789";
    private const int VendorPort = 5202;
    private readonly MockVendors _vendors = new();
    private readonly RecordingObserver _usage = new();
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _vendors.Ok(VendorPort, "hello");
        _host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                o.RequireAppKey = false;
                o.AppClaimType = "tenant";
                o.Llms.Add(new LlmConfig { Id = "v", BaseUrl = MockVendors.Url(VendorPort), ApiKey = "llm-key-vendor" });
                foreach (var slug in new[] { "open", "closed" })
                {
                    o.Routers.Add(new RouterConfig { Slug = slug, Pools = [new PoolConfig { Name = "all", ModelPattern = "*", Vendors = [new VendorConfig { Llm = "v" }] }] });
                }

                o.Apps.Add(new AppConfig { Name = "team", ApiKey = TeamKey, Routers = ["open"] });
                o.Apps.Add(new AppConfig { Name = "other", ApiKey = "other-key-0123456789", Routers = ["closed"] });
                o.Apps.Add(new AppConfig { Name = "sleeping", Active = false, Routers = ["*"] });
            },
            _vendors.Handler,
            configureHost: b =>
            {
                b.Services.AddSingleton<IModelRouterObserver>(_usage);
                b.Services.AddAuthentication()
                    .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null)
                    .AddModelRouterAppKey();
                b.Services.AddAuthorization();
            },
            configureEndpoint: e => e.RequireAuthorization(new AuthorizationPolicyBuilder(HeaderAuthenticationHandler.SchemeName, ModelRouterAuthenticationDefaults.AppKeyScheme)
                .RequireAuthenticatedUser().Build()),
            configurePipeline: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/whoami", (ClaimsPrincipal user) => string.Join(";", user.Claims.Select(c => $"{c.Type}={c.Value}")) + ";name=" + user.Identity?.Name)
                    .RequireAuthorization(new AuthorizationPolicyBuilder(ModelRouterAuthenticationDefaults.AppKeyScheme).RequireAuthenticatedUser().Build());
            });
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task HostSignIn_AppClaimNamesAnAppNotAllowedThisRouter_403AndNothingForwarded()
    {
        var before = _vendors.Calls.Count;

        using var response = await PostAsync("open", user: "bob", tenant: "other");

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), text);
        Assert.That(text, Does.Contain("'other'"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before));
    }

    [TestCase("sleeping", HttpStatusCode.Forbidden)]
    [TestCase("nobody", HttpStatusCode.Forbidden)]
    public async Task HostSignIn_AppClaimOfAnInactiveOrUnknownApp_Refused(string tenant, HttpStatusCode expected)
    {
        using var response = await PostAsync("open", user: "bob", tenant: tenant);

        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task HostSignIn_AppClaimOfAnAllowedApp_Served_UsageRecordNamesTheApp()
    {
        while (_usage.TryTake(out _))
        {
        }

        using var response = await PostAsync("open", user: "alice", tenant: "team");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await _usage.NextAsync()).App, Is.EqualTo("team"));
    }

    [Test]
    public async Task HostSignIn_WithoutAppClaim_ServedAsBefore()
    {
        using var response = await PostAsync("closed", user: "alice", tenant: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task AppKeyScheme_ValidKey_PrincipalNamesTheApp_NeverTheKey()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TeamKey);

        using var response = await _host.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(text, Does.Contain("tenant=team").And.Contain("name=team").And.Not.Contain(TeamKey));
    }

    [Test]
    public async Task AppKeyScheme_KeyOfAnAppNotAllowedThisRouter_403FromTheRouter()
    {
        using var response = await PostAsync("open", user: null, tenant: null, key: "other-key-0123456789");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task AppKeyScheme_ValidKey_Served_UsageRecordNamesTheApp()
    {
        while (_usage.TryTake(out _))
        {
        }

        using var response = await PostAsync("open", user: null, tenant: null, key: TeamKey);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await _usage.NextAsync()).App, Is.EqualTo("team"));
    }

    [TestCase("wrong-key-0123456789")]
    [TestCase(null)]
    public async Task AppKeyScheme_WrongOrNoKey_401InTheOpenAIEnvelope_WithoutTheKey(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await _host.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), text);
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));
        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(text, Does.Not.Contain("wrong-key-0123456789"));
    }

    private async Task<HttpResponseMessage> PostAsync(string slug, string? user, string? tenant, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/router/{slug}/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"any","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (user is not null)
        {
            request.Headers.Add(UserHeader, user);
        }

        if (tenant is not null)
        {
            request.Headers.Add(TenantHeader, tenant);
        }

        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await _host.Client.SendAsync(request);
    }

    /// <summary>The host's own sign-in: whoever sends <c>X-Test-User</c>, with the app of <c>X-Test-Tenant</c> as a <c>tenant</c> claim.</summary>
    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestHeader";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(ClaimTypes.Name, user.ToString()) };
            if (Request.Headers.TryGetValue(TenantHeader, out var tenant))
            {
                claims.Add(new Claim("tenant", tenant.ToString()));
            }

            var identity = new ClaimsIdentity(claims, SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
