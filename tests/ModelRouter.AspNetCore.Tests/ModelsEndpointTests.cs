using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.AspNetCore.Tests;

/// <summary><c>GET /router/{slug}/v1/models</c>: the names a client can ask for, under the chat endpoint's app-key rules.</summary>
[TestFixture]
public sealed class ModelsEndpointTests
{
    private const string AppKey = "team-a-key-0001";
    private const string OtherAppKey = "team-b-key-0002";

    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _host = await RouterHost.StartInMemoryAsync(o =>
        {
            o.Namespace = "us";
            o.Llms.Add(Llm("a"));
            o.Llms.Add(Llm("b"));
            o.Routers.Add(new RouterConfig
            {
                Slug = "prod",
                Pools =
                [
                    Pool("gpt", "gpt-*",
                        Vendor("a", mappings: [("gpt-4o", "vendor-4o"), ("o1", "vendor-o1"), ("gpt-4o-mini", "vendor-mini")]),
                        Vendor("b", active: false, mappings: [("gpt-legacy", "old")])) with { Priority = 5 },
                    Pool("fast", "gpt-4o-mini", Vendor("b")) with { Priority = 10 },
                    Pool("llama", "meta-llama/llama-3.1-8b", Vendor("b")),
                    Pool("escaped", "weird\\*name", Vendor("a")),
                    Pool("off", "claude-3", Vendor("b", weight: 0)),
                ],
            });
            o.Routers.Add(new RouterConfig { Slug = "eu-only", Namespaces = ["eu"], Pools = [Pool("all", "*", Vendor("a"))] });
            o.Apps.Add(new AppConfig { Name = "team-a", ApiKey = AppKey, Routers = ["prod", "eu-only"] });
            o.Apps.Add(new AppConfig { Name = "team-b", ApiKey = OtherAppKey, Routers = ["eu-only"] });
        }, new MockVendors().Handler);
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> GetAsync(string slug, string? appKey, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"/router/{slug}/v1/models");
        if (appKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", appKey);
        }

        return _host.Client.SendAsync(request);
    }

    [Test]
    public async Task Get_AllowedApp_ListsMappingSourcesAndPlainPatternsThatRouteToAServingPool()
    {
        using var response = await GetAsync("prod", AppKey);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        using var json = JsonDocument.Parse(text);
        Assert.That(json.RootElement.GetProperty("object").GetString(), Is.EqualTo("list"));
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        // Pools in priority order: 'fast' names gpt-4o-mini; 'gpt' adds gpt-4o (o1 matches no pool, gpt-legacy's vendor is
        // inactive); then the plain patterns of 'llama' and 'escaped'; 'off' takes no traffic.
        Assert.That(data.Select(m => m.GetProperty("id").GetString()), Is.EqualTo(new[] { "gpt-4o-mini", "gpt-4o", "meta-llama/llama-3.1-8b", "weird*name" }));
        Assert.That(data.Select(m => m.GetProperty("object").GetString()), Is.All.EqualTo("model"));
        Assert.That(data.Select(m => m.GetProperty("owned_by").GetString()), Is.All.EqualTo("modelrouter"));
        Assert.That(data.Select(m => m.GetProperty("created").ValueKind), Is.All.EqualTo(JsonValueKind.Number));
    }

    [Test]
    public async Task Get_NoAppKey_Is401WithWhereTheKeyGoes()
    {
        using var response = await GetAsync("prod", null);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(error.Message, Does.Contain("Authorization: Bearer"));
    }

    [TestCase("prod", "not-a-known-key-1", HttpStatusCode.Unauthorized)]
    [TestCase("prod", OtherAppKey, HttpStatusCode.Forbidden)]
    [TestCase("nope", AppKey, HttpStatusCode.NotFound)]
    [TestCase("eu-only", AppKey, HttpStatusCode.NotFound)]
    public async Task Get_RefusedLikeTheChatEndpoint(string slug, string appKey, HttpStatusCode status)
    {
        using var models = await GetAsync(slug, appKey);
        using var chat = await _host.ChatAsync(slug, "gpt-4o", appKey);

        await ErrorEnvelope.AssertAsync(models, status);
        Assert.That(chat.StatusCode, Is.EqualTo(status), "the chat endpoint answers the same");
    }

    [Test]
    public async Task Post_Is405WithAllowGet()
    {
        using var response = await GetAsync("prod", AppKey, HttpMethod.Post);

        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "GET" }));
    }
}
