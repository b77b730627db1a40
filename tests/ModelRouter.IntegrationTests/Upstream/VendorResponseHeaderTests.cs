using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelRouter.IntegrationTests.Upstream;

/// <summary>Of a vendor's response headers, only its rate-limit headers reach the client; cookies, hop-by-hop and internal headers do not.</summary>
[TestFixture]
public sealed class VendorResponseHeaderTests
{
    private const string AppKey = "app-key-vendor-headers-1";

    private FakeVendor _vendor = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await FakeVendor.StartAsync("headers", (context, request) =>
        {
            var headers = context.Response.Headers;
            headers["x-ratelimit-limit-requests"] = "500";
            headers["x-ratelimit-remaining-requests"] = "499";
            headers["x-ratelimit-reset-tokens"] = "6ms";
            headers["anthropic-ratelimit-requests-remaining"] = "41";
            headers.RetryAfter = "2";
            headers.SetCookie = "vendor-session=abc; Path=/";
            headers["Server"] = "vendor-internal/1.2";
            headers["X-Powered-By"] = "vendor-stack";
            headers["x-internal-trace"] = "node-17";
            headers["openai-organization"] = "org-of-the-router";
            headers["Keep-Alive"] = "timeout=5";
            headers["x-ratelimit-echo"] = "llm-key-headers";
            return FakeVendor.AnswerAsync(context, request, "with headers");
        });
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm(_vendor)
            .Router("headers", RouterSettings.Vendor("headers"))
            .App("headers", AppKey, "headers"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_VendorSendsManyHeaders_ClientGetsOnlyItsRateLimitHeaders(bool stream)
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o",
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/headers/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(Header(response, "x-ratelimit-limit-requests"), Is.EqualTo("500"));
        Assert.That(Header(response, "x-ratelimit-remaining-requests"), Is.EqualTo("499"));
        Assert.That(Header(response, "x-ratelimit-reset-tokens"), Is.EqualTo("6ms"));
        Assert.That(Header(response, "anthropic-ratelimit-requests-remaining"), Is.EqualTo("41"));
        Assert.That(Header(response, "Retry-After"), Is.EqualTo("2"));
        foreach (var name in new[] { "Set-Cookie", "X-Powered-By", "x-internal-trace", "openai-organization", "Keep-Alive" })
        {
            Assert.That(Header(response, name), Is.Null, name);
        }

        Assert.That(Header(response, "x-ratelimit-echo"), Is.Null, "a rate-limit header holding the LLM's key is dropped");
        Assert.That(Header(response, "Server"), Is.Not.EqualTo("vendor-internal/1.2"));
    }

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
