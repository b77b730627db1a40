using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelRouter.IntegrationTests.Endpoint;

/// <summary>The vendor gets its own key and the client's body, and none of the client's credentials or hop-by-hop headers.</summary>
[TestFixture]
public sealed class CredentialForwardingTests
{
    private const string AppKey = "app-key-never-forwarded-42";
    private const string CookieValue = "session=cookie-never-forwarded";
    private static readonly string[] s_hopByHop = ["Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE", "Trailer", "Upgrade", "X-Hop-Secret"];

    private FakeVendor _vendor = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await FakeVendor.StartAsync("recorder");
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm("recorder", _vendor.BaseUrl, "llm-key-of-the-vendor")
            .Router("creds", RouterSettings.Vendor("recorder", ("gpt-4o", "vendor-model")))
            .App("creds", AppKey, "creds"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_ClientSendsCredentialsAndHopByHopHeaders_VendorGetsOnlyItsOwnKey(bool streaming)
    {
        var before = _vendor.Requests.Count;
        var body = """{"model":"gpt-4o","stream":""" + (streaming ? "true" : "false")
            + ""","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"response_format":{"type":"json_object"},"x_future_field":{"a":[1,2,3]}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/creds/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        request.Headers.TryAddWithoutValidation("Cookie", CookieValue);
        request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic " + AppKey);
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        request.Headers.Connection.Add("X-Hop-Secret");
        request.Headers.TryAddWithoutValidation("X-Hop-Secret", AppKey);
        request.Headers.TryAddWithoutValidation("X-Api-Key", AppKey);

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var got = _vendor.Requests.Skip(before).Single();
        Assert.That(got.Headers["Authorization"], Is.EqualTo("Bearer llm-key-of-the-vendor"));
        Assert.That(got.Headers.Keys, Has.None.EqualTo("Cookie").IgnoreCase);
        Assert.That(got.Headers.Keys, Has.None.EqualTo("X-Api-Key").IgnoreCase);
        foreach (var hop in s_hopByHop)
        {
            Assert.That(got.Headers.Keys, Has.None.EqualTo(hop).IgnoreCase, hop);
        }

        Assert.That(got.Headers.Values, Has.None.Contains(AppKey), "the app key reaches the vendor in no header");
        Assert.That(got.Headers.Values, Has.None.Contains("cookie-never-forwarded"));
        Assert.That(got.Body, Does.Not.Contain(AppKey));

        // Only "model" changed, and for a stream the router asks for usage (this suite listens to its telemetry); every
        // other field passes through untouched.
        var sent = JsonNode.Parse(body)!.AsObject();
        sent["model"] = "vendor-model";
        if (streaming)
        {
            sent["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        Assert.That(JsonNode.DeepEquals(got.Json, sent), Is.True, got.Body);
    }
}
