using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Tests;

/// <summary><c>MapModelRouter()</c> itself: its precondition, and a host that authenticates callers with ASP.NET Core instead of app keys.</summary>
[TestFixture]
public sealed class MapModelRouterTests
{
    private const string UserHeader = "X-Test-User";
    private const int VendorPort = 5201;
    private readonly MockVendors _vendors = new();
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _vendors.Ok(VendorPort, "hello from open");
        _host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                o.RequireAppKey = false;
                o.Llms.Add(new LlmConfig { Id = "open", BaseUrl = MockVendors.Url(VendorPort), ApiKey = "llm-key-open" });
                o.Routers.Add(new RouterConfig
                {
                    Slug = "open",
                    Pools = [new PoolConfig { Name = "all", ModelPattern = "*", Vendors = [new VendorConfig { Llm = "open" }] }],
                });
            },
            _vendors.Handler,
            configureHost: b =>
            {
                b.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
                b.Services.AddAuthorization();
            },
            configureEndpoint: e => e.RequireAuthorization(),
            configurePipeline: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
            });
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task MapModelRouter_WithoutAddModelRouter_ThrowsInvalidOperationExceptionNamingTheFix()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapModelRouter());

        Assert.That(error.Message, Does.Contain("AddModelRouter"));
    }

    [Test]
    public async Task RequireAuthorization_UnauthenticatedCaller_Gets401FromHostAuthentication()
    {
        var before = _vendors.Calls.Count;

        using var response = await PostAsync(user: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain(HeaderAuthenticationHandler.SchemeName), "the host's scheme challenged");
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RequireAppKeyFalse_AuthenticatedCallerWithoutAppKey_IsRouted(bool streaming)
    {
        using var response = await PostAsync(user: "alice", streaming);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "open" }));
        Assert.That(text, Does.Contain("hello"));
    }

    private async Task<HttpResponseMessage> PostAsync(string? user, bool streaming = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/router/open/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"any","stream":{{(streaming ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (user is not null)
        {
            request.Headers.Add(UserHeader, user);
        }

        return await _host.Client.SendAsync(request);
    }

    /// <summary>Authenticates whoever sends <c>X-Test-User</c>.</summary>
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

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = SchemeName;
            return Task.CompletedTask;
        }
    }
}
