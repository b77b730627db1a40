using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>Header values are secrets, unknown fields are refused, errors are keyed by field, and the remaining acceptance points of the admin API.</summary>
[TestFixture]
public sealed class AdminApiHardeningTests
{
    private const string RouterJson = """{"slug":"r1","name":"One","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""";
    private const string OrgSecret = "org-secret-1";
    private const string AuthSecret = "Bearer hdr-secret-2";

    private static readonly System.Text.Json.JsonSerializerOptions s_reflection = new(System.Text.Json.JsonSerializerDefaults.Web);

    private InMemoryRouterStore _store = null!;
    private RouterHost _host = null!;

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
        _host = await RouterHost.StartAsync(new Dictionary<string, string?>(), b => b.UseStore(_store));
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

        using (var created = await _host.SendAdminAsync(HttpMethod.Post, "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:12/v1","headers":[{"name":"X-Upstream-Auth","value":"Bearer new-secret-3"}]}"""))
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

    [TestCase("PUT", "/routers/r1")]
    [TestCase("DELETE", "/llms/a")]
    [TestCase("POST", "/apps")]
    [TestCase("POST", "/routers/r1/deactivate")]
    [TestCase("GET", "/export")]
    [TestCase("POST", "/import")]
    public async Task EveryRoute_WithoutTheAdminKey_401AndNothingChanges(string method, string path)
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();
        var before = Describe((await _store.ReadAsync()).ToConfig());
        using var request = new HttpRequestMessage(new HttpMethod(method), "/admin" + path);
        if (method != "GET")
        {
            request.Content = new StringContent("""{"llms":[],"routers":[],"apps":[]}""", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _host.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("sk-secret-a").And.Not.Contain(OrgSecret));
        Assert.That(Describe((await _store.ReadAsync()).ToConfig()), Is.EqualTo(before));
    }

    [TestCase("/llms", """{"id":"b","baseUrl":"http://127.0.0.1:12/v1"}""", "/admin/llms/b")]
    [TestCase("/routers", RouterJson, "/admin/routers/r1")]
    [TestCase("/apps", """{"name":"ops","routers":["*"]}""", "/admin/apps/ops")]
    public async Task Create_201_LocationServesTheItemWithTheSameETag(string path, string json, string location)
    {
        using var created = await _host.SendAdminAsync(HttpMethod.Post, path, json);

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.Location!.ToString(), Is.EqualTo(location));
        using var get = await _host.Client.SendAsync(RouterHost.Admin(HttpMethod.Get, location["/admin".Length..]));
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(get.Headers.ETag, Is.Not.Null);
        Assert.That(created.Headers.ETag!.ToString(), Is.EqualTo(get.Headers.ETag!.ToString()));
        Assert.That(await created.Content.ReadAsStringAsync(), Does.Not.Contain("ops-key-4567"));
    }

    [Test]
    public async Task Create_ExistingKey_409AndTheStoredItemIsUnchanged()
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();

        using var again = await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson.Replace("One", "Other", StringComparison.Ordinal));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(again.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("r1"));
        Assert.That((await _store.ReadAsync()).FindRouter("r1")!.Item.Name, Is.EqualTo("One"));
    }

    [Test]
    public async Task Delete_StaleIfMatch_412AndItemKept_CurrentIfMatch_204()
    {
        using var created = await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson);
        var stale = created.Headers.ETag!.ToString();
        using var replaced = await _host.SendAdminAsync(HttpMethod.Put, "/routers/r1", RouterJson.Replace("One", "Two", StringComparison.Ordinal), stale);

        using var refused = await _host.SendAdminAsync(HttpMethod.Delete, "/routers/r1", ifMatch: stale);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(refused.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await _store.ReadAsync()).FindRouter("r1"), Is.Not.Null);

        using var deleted = await _host.SendAdminAsync(HttpMethod.Delete, "/routers/r1", ifMatch: replaced.Headers.ETag!.ToString());
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task DeleteLlm_UsedByTwoRouters_409NamingBothAndLlmKept()
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson.Replace("r1", "r2", StringComparison.Ordinal))).Dispose();

        using var response = await _host.SendAdminAsync(HttpMethod.Delete, "/llms/a");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["referencedBy"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EquivalentTo(new[] { "r1", "r2" }));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("'r1'").And.Contain("'r2'"));
        Assert.That((await _store.ReadAsync()).FindLlm("a"), Is.Not.Null);
    }

    [Test]
    public async Task List_DefaultsAndPastTheEnd()
    {
        foreach (var slug in new[] { "r1", "r2", "r3" })
        {
            (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson.Replace("r1", slug, StringComparison.Ordinal))).Dispose();
        }

        using var first = await _host.SendAdminAsync(HttpMethod.Get, "/routers");
        using var past = await _host.SendAdminAsync(HttpMethod.Get, "/routers?offset=3&limit=2");
        var all = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var none = JsonNode.Parse(await past.Content.ReadAsStringAsync())!;

        Assert.That(all["offset"]!.GetValue<int>(), Is.EqualTo(0));
        Assert.That(all["limit"]!.GetValue<int>(), Is.EqualTo(50));
        Assert.That(all["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>()), Is.EqualTo(new[] { "r1", "r2", "r3" }));
        Assert.That(none["items"]!.AsArray(), Is.Empty);
        Assert.That(none["total"]!.GetValue<int>(), Is.EqualTo(3));
    }

    private async Task<string[]> StoredHeadersAsync(string id)
        => [.. (await _store.ReadAsync()).FindLlm(id)!.Item.Headers.Select(h => h.Value)];

    private static string Describe(ModelRouterConfig config)
        => System.Text.Json.JsonSerializer.Serialize(config with { Revision = "" }, s_reflection);
}
