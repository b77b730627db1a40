using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Storage.Tests.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>Header values are secrets, unknown fields are refused, errors are keyed by field, and the remaining acceptance points of the admin API.</summary>
[TestFixture]
public sealed class AdminApiHardeningTests
{
    private const string OrgSecret = "org-secret-1";
    private const string AuthSecret = "Bearer hdr-secret-2";

    private InMemoryRouterStore _store = null!;
    private GatewayHost _host = null!;

    [SetUp]
    public async Task StartHost()
    {
        _store = new InMemoryRouterStore(new ModelRouterConfig
        {
            Llms =
            [
                Llm("a", apiKey: "sk-secret-a") with
                {
                    Headers = [new() { Name = "OpenAI-Organization", Value = OrgSecret }, new() { Name = "X-Upstream-Auth", Value = AuthSecret }],
                },
            ],
            Apps = [App("team", "app-key-123", "*")],
        });
        _host = await GatewayHost.StartAsync(new Dictionary<string, string?>(), b => b.UseStore(_store));
    }

    [TearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task Import_Invalid_400ErrorsKeyedByFullPath()
    {
        const string json = """
            {"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1"}],
             "routers":[{"slug":"r1","pools":[{"name":"p","vendors":[{"llm":"a"}]},{"name":"q","vendors":[{"llm":"a","weight":-1},{"llm":"ghost"}]}]}],
             "apps":[{"name":"team","apiKey":"short","routers":["nope"]}]}
            """;

        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/import", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[]
        {
            "routers[0].pools[1].vendors[0].weight", "routers[0].pools[1].vendors[1].llm", "apps[0].apiKey", "apps[0].routers[0]",
        }));
    }

    [Test]
    public async Task List_BadLimit_400KeyedByTheParameter()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/llms?limit=501");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EqualTo(new[] { "limit" }));
    }
}
