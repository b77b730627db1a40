using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.IntegrationTests.Upstream;

/// <summary>
/// Where a vendor key may go, over loopback: never along a vendor's redirect, never to a host name that resolves to an
/// address the host settings refuse.
/// </summary>
[TestFixture]
public sealed class UpstreamSafetyTests
{
    private const string AppKey = "app-key-upstream-safety-1";
    private const string RedirectingKey = "llm-key-redirecting-vendor";

    private FakeVendor _redirecting = null!;
    private FakeVendor _target = null!;
    private FakeVendor _healthy = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _target = await FakeVendor.StartAsync("target");
        _redirecting = await FakeVendor.StartAsync("redirecting", (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = _target.BaseUrl + "/chat/completions";
            return Task.CompletedTask;
        });
        _healthy = await FakeVendor.StartAsync("healthy");
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm("redirecting", _redirecting.BaseUrl, RedirectingKey)
            .Llm(_healthy)
            .Router("redirect-then-healthy", RouterSettings.Vendor("redirecting"), RouterSettings.Vendor("healthy"))
            .Router("redirect-only", RouterSettings.Vendor("redirecting"))
            .App("safety", AppKey, "*"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _redirecting.DisposeAsync();
        await _target.DisposeAsync();
        await _healthy.DisposeAsync();
    }

    [Test]
    public async Task Post_VendorRedirects_KeyNeverReachesTheTargetAndNextVendorServes()
    {
        using var response = await PostAsync("redirect-then-healthy", stream: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-trail").Single(), Is.EqualTo("redirecting=307;healthy=ok"));
        Assert.That(_redirecting.Requests, Has.Count.GreaterThanOrEqualTo(1), "the redirecting vendor was asked");
        Assert.That(_target.Requests, Is.Empty, "the redirect was not followed");
    }

    [Test]
    public async Task Post_OnlyVendorRedirects_ClientGets502WithoutTheLocation()
    {
        using var response = await PostAsync("redirect-only", stream: false);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadGateway);
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(error.Message, Does.Not.Contain(_target.Port.ToString(CultureInfo.InvariantCulture)));
        Assert.That(_target.Requests, Is.Empty);
    }

    [Test]
    public async Task Post_HostNameResolvesToRefusedAddress_RouterNeverConnects()
    {
        // Loopback refused by the host settings; "localhost" passes validation (a name) but resolves to loopback.
        await using var vendor = await FakeVendor.StartAsync("named");
        await using var router = await RouterHost.StartAsync(new RouterSettings()
            .Setting("allowLoopbackUpstreams", false)
            .Llm("named", $"http://localhost:{vendor.Port.ToString(CultureInfo.InvariantCulture)}/v1", "llm-key-named")
            .Router("named", RouterSettings.Vendor("named"))
            .App("named", AppKey, "named"));

        using var response = await PostAsync(router, "named", stream: false);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadGateway);
        Assert.That(error.Message, Does.Not.Contain("llm-key-named"));
        Assert.That(vendor.Requests, Is.Empty, "the router did not connect to the refused address");
    }

    private Task<HttpResponseMessage> PostAsync(string slug, bool stream) => PostAsync(_router, slug, stream);

    private static async Task<HttpResponseMessage> PostAsync(RouterHost router, string slug, bool stream)
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"router/{slug}/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        var response = await router.Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
