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

    private static readonly System.Text.Json.JsonSerializerOptions s_reflection = new(System.Text.Json.JsonSerializerDefaults.Web);

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
    public async Task Reads_MaskHeaderValues_InGetListExportAndWriteAnswers()
    {
        var texts = new List<string>();
        foreach (var path in new[] { "/llms/a", "/llms", "/export" })
        {
            using var response = await _host.SendAdminAsync(HttpMethod.Get, path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            texts.Add(await response.Content.ReadAsStringAsync());
        }

        using (var created = await _host.SendAdminAsync(HttpMethod.Post, "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:12/v1","headers":[{"name":"Authorization","value":"Bearer new-secret-3"}]}"""))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            texts.Add(await created.Content.ReadAsStringAsync());
        }

        using (var replaced = await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", texts[0]))
        {
            Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            texts.Add(await replaced.Content.ReadAsStringAsync());
        }

        Assert.That(texts, Has.None.Contains(OrgSecret).And.None.Contains("hdr-secret-2").And.None.Contains("new-secret-3"));
        var headers = JsonNode.Parse(texts[0])!["headers"]!.AsArray();
        Assert.That(headers.Select(h => h!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "OpenAI-Organization", "X-Upstream-Auth" }));
        Assert.That(headers.Select(h => h!["value"]!.GetValue<string>()), Is.All.EqualTo("********"));
    }

    [Test]
    public async Task PutLlm_MaskedOrOmittedHeaderValue_KeepsStoredValue_NewValueReplacesIt()
    {
        using var get = await _host.SendAdminAsync(HttpMethod.Get, "/llms/a");
        using var masked = await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", await get.Content.ReadAsStringAsync());
        Assert.That(masked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StoredHeadersAsync("a"), Is.EqualTo(new[] { OrgSecret, AuthSecret }));

        using var partly = await _host.SendAdminAsync(HttpMethod.Put, "/llms/a",
            """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"openai-organization"},{"name":"X-Upstream-Auth","value":"Bearer rotated"}]}""");

        Assert.That(partly.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StoredHeadersAsync("a"), Is.EqualTo(new[] { OrgSecret, "Bearer rotated" }));
        Assert.That((await _store.ReadAsync()).FindLlm("a")!.Item.ApiKey, Is.EqualTo("sk-secret-a"));
    }

    [Test]
    public async Task ExportThenImport_MaskedHeaderValues_KeepStoredValues()
    {
        using var export = await _host.SendAdminAsync(HttpMethod.Get, "/export");
        var exported = await export.Content.ReadAsStringAsync();
        Assert.That(exported, Does.Not.Contain(OrgSecret));

        using var import = await _host.SendAdminAsync(HttpMethod.Post, "/import", exported);

        Assert.That(import.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await import.Content.ReadAsStringAsync(), Does.Not.Contain(OrgSecret));
        Assert.That(await StoredHeadersAsync("a"), Is.EqualTo(new[] { OrgSecret, AuthSecret }));
    }

    [TestCase("POST", "/routers", """{"slug":"r1","pools":[{"name":"all","vendors":[{"llm":"a","weigth":5}]}]}""", "pools[0].vendors[0].weigth")]
    [TestCase("POST", "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:12/v1","apiKye":"sk-x"}""", "apiKye")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:12/v1","headers":[{"name":"X-A","valeu":"v"}]}""", "headers[0].valeu")]
    [TestCase("PUT", "/apps/team", """{"name":"team","apiKey":"app-key-456","router":"r1"}""", "router")]
    [TestCase("POST", "/import", """{"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1"}],"routers":[{"slug":"r1","pools":[{"name":"p","vendors":[{"llm":"a","weigth":2}]}]}]}""", "routers[0].pools[0].vendors[0].weigth")]
    [TestCase("POST", "/import", """{"llm":[]}""", "llm")]
    public async Task Write_UnknownField_400NamingItAndNothingChanges(string method, string path, string json, string field)
    {
        var before = Describe((await _store.ReadAsync()).ToConfig());

        using var response = await _host.SendAdminAsync(new HttpMethod(method), path, json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(errors[field]![0]!.GetValue<string>(), Does.Contain("not a known field"));
        Assert.That(Describe((await _store.ReadAsync()).ToConfig()), Is.EqualTo(before));
    }

    [Test]
    public async Task CreateRouter_UnknownFieldAndWrongType_BothReported()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers",
            """{"slug":"r1","activ":false,"pools":[{"name":"p","priority":"high","vendors":[{"llm":"a"}]}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "activ", "pools[0].priority" }));
    }

    [Test]
    public async Task CreateRouter_KnownFieldsInAnotherCase_Accepted()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers", """{"Slug":"r1","POOLS":[{"name":"all","Vendors":[{"LLM":"a","Weight":2}]}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await _store.ReadAsync()).FindRouter("r1")!.Item.Pools[0].Vendors[0].Weight, Is.EqualTo(2));
    }

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

    private async Task<string[]> StoredHeadersAsync(string id)
        => [.. (await _store.ReadAsync()).FindLlm(id)!.Item.Headers.Select(h => h.Value)];

    private static string Describe(ModelRouterConfig config)
        => System.Text.Json.JsonSerializer.Serialize(config with { Revision = "" }, s_reflection);
}
