using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

[TestFixture]
public sealed class AdminApiTests
{
    private const string RouterJson = """{"slug":"r1","name":"One","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""";

    private static readonly System.Text.Json.JsonSerializerOptions s_reflection = new(System.Text.Json.JsonSerializerDefaults.Web);

    private InMemoryRouterStore _store = null!;
    private RouterHost _host = null!;

    [SetUp]
    public async Task StartHost()
    {
        _store = new InMemoryRouterStore(new ModelRouterConfig
        {
            Llms = [Llm("a", apiKey: "sk-secret-a")],
            Apps = [App("team", "app-key-123", "*")],
        });
        _host = await RouterHost.StartAsync(new Dictionary<string, string?>(), b => b.UseStore(_store));
    }

    [TearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [TestCase(null)]
    [TestCase("Bearer wrong-key")]
    [TestCase("Basic dGVzdA==")]
    public async Task AnyEndpoint_WithoutTheAdminKey_401(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/llms");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _host.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("sk-secret-a"));
    }

    [Test]
    public async Task Write_WithoutTheAdminKey_401AndNothingChanges()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/routers") { Content = new StringContent(RouterJson) };

        using var response = await _host.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _store.ReadAsync()).Routers, Is.Empty);
    }

    [Test]
    public async Task CreateRouter_Valid_201WithLocationAndETag()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo("/admin/routers/r1"));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(body["slug"]!.GetValue<string>(), Is.EqualTo("r1"));
        Assert.That(body["active"]!.GetValue<bool>(), Is.True, "defaults of the configuration shape apply to fields left out");
        Assert.That(body["pools"]![0]!["vendors"]![0]!["weight"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task CreateRouter_Invalid_400ProblemListingEveryErrorByField()
    {
        const string json = """{"slug":"Bad Slug","pools":[{"name":"p","algorithm":"nope","modelPattern":"[","vendors":[{"llm":"ghost","weight":-1}]}]}""";

        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var errors = problem["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[]
        {
            "slug", "pools[0].algorithm", "pools[0].modelPattern", "pools[0].vendors[0].llm", "pools[0].vendors[0].weight",
        }));
        Assert.That(errors["pools[0].vendors[0].llm"]![0]!.GetValue<string>(), Does.Contain("llm 'ghost'"));
        Assert.That(errors["pools[0].vendors[0].weight"]![0]!.GetValue<string>(), Does.Contain("weight"));
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(400));
        Assert.That(problem["type"]!.GetValue<string>(), Is.EqualTo("https://tools.ietf.org/html/rfc9110#section-15.5.1"));
    }

    [Test]
    public async Task CreateRouter_WrongTypes_400NamingTheFields()
    {
        const string json = """{"slug":"r1","active":"maybe","pools":[{"name":"p","priority":"high","vendors":[{"llm":"a"}]}]}""";

        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "active", "pools[0].priority" }));
        Assert.That(errors["active"]![0]!.GetValue<string>(), Does.Contain("'active'"));
    }

    [Test]
    public async Task Create_MalformedJson_400()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/llms", "{\"id\":");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task CreateRouter_SameSlugConcurrently_One201One409()
    {
        var responses = await Task.WhenAll(
            _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson),
            _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson));

        Assert.That(responses.Select(r => r.StatusCode), Is.EquivalentTo(new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
    }

    [Test]
    public async Task PutRouter_StaleIfMatch_412_CurrentIfMatch_200()
    {
        using var created = await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson);
        var etag = created.Headers.ETag!.ToString();
        using var first = await _host.SendAdminAsync(HttpMethod.Put, "/routers/r1", RouterJson.Replace("One", "Two", StringComparison.Ordinal), etag);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        using var stale = await _host.SendAdminAsync(HttpMethod.Put, "/routers/r1", RouterJson.Replace("One", "Three", StringComparison.Ordinal), etag);

        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        using var current = await _host.SendAdminAsync(HttpMethod.Get, "/routers/r1");
        Assert.That(JsonNode.Parse(await current.Content.ReadAsStringAsync())!["name"]!.GetValue<string>(), Is.EqualTo("Two"));
        Assert.That(current.Headers.ETag!.ToString(), Is.EqualTo(first.Headers.ETag!.ToString()));
    }

    [Test]
    public async Task DeleteLlm_UsedByRouter_409NamingTheRouter()
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();

        using var response = await _host.SendAdminAsync(HttpMethod.Delete, "/llms/a");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["referencedBy"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "r1" }));
    }

    [Test]
    public async Task DeleteRouter_Exists_204ThenGet404()
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();

        using var deleted = await _host.SendAdminAsync(HttpMethod.Delete, "/routers/r1");
        using var missing = await _host.SendAdminAsync(HttpMethod.Get, "/routers/r1");

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Reads_NeverReturnKeys_MaskedInGetListAndExport()
    {
        var texts = new List<string>();
        foreach (var path in new[] { "/llms/a", "/llms", "/apps/team", "/apps", "/export" })
        {
            using var response = await _host.SendAdminAsync(HttpMethod.Get, path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            texts.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.That(texts, Has.None.Contains("sk-secret-a"));
        Assert.That(texts, Has.None.Contains("app-key-123"));
        Assert.That(JsonNode.Parse(texts[0])!["apiKey"]!.GetValue<string>(), Is.EqualTo("********"));
    }

    [Test]
    public async Task PutLlm_MaskedOrOmittedKey_KeepsStoredKey_NewKeyReplacesIt()
    {
        using var get = await _host.SendAdminAsync(HttpMethod.Get, "/llms/a");
        var masked = JsonNode.Parse(await get.Content.ReadAsStringAsync())!;
        masked["baseUrl"] = "http://127.0.0.1:9/v2";

        using (var response = await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", masked.ToJsonString()))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await _store.ReadAsync()).FindLlm("a")!.Item.ApiKey, Is.EqualTo("sk-secret-a"));
        using (var response = await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v3"}"""))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That((await _store.ReadAsync()).FindLlm("a")!.Item.ApiKey, Is.EqualTo("sk-secret-a"));
        (await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:11/v1","apiKey":"sk-new"}""")).Dispose();

        var stored = (await _store.ReadAsync()).FindLlm("a")!.Item;
        Assert.That(stored.ApiKey, Is.EqualTo("sk-new"));
        Assert.That(stored.BaseUrl, Is.EqualTo("http://127.0.0.1:11/v1"));
    }

    [Test]
    public async Task ExportThenImport_RoundTrip_SameConfigurationAndKeys()
    {
        (await _host.SendAdminAsync(HttpMethod.Post, "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:12/v1","apiKey":"sk-b","headers":[{"name":"X-Org","value":"o1"}]}""")).Dispose();
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", """{"slug":"r1","namespaces":["eu"],"pools":[{"name":"p","modelPattern":"gpt-*","algorithm":"weighted","priority":5,"maxAttempts":2,"vendors":[{"llm":"a","weight":3,"modelMappings":[{"source":"gpt-4","target":"x/y:z"}]},{"llm":"b","active":false}]}]}""")).Dispose();
        var before = (await _store.ReadAsync()).ToConfig();
        using var export = await _host.SendAdminAsync(HttpMethod.Get, "/export");
        var exported = await export.Content.ReadAsStringAsync();

        // Wipe the routers, then import the export back.
        (await _host.SendAdminAsync(HttpMethod.Delete, "/routers/r1")).Dispose();
        using var import = await _host.SendAdminAsync(HttpMethod.Post, "/import", exported);

        Assert.That(import.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var after = (await _store.ReadAsync()).ToConfig();
        Assert.That(Describe(after), Is.EqualTo(Describe(before)));
        Assert.That(after.Llms.Select(l => l.ApiKey), Is.EqualTo(new[] { "sk-secret-a", "sk-b" }));
        using var again = await _host.SendAdminAsync(HttpMethod.Get, "/export");
        Assert.That(Strip(await again.Content.ReadAsStringAsync()), Is.EqualTo(Strip(exported)));
    }

    [Test]
    public async Task Export_ManyRouters_StreamsWithAllocationsBelowTheBodySizeAndLinear()
    {
        var (smallBody, smallAllocated) = await ExportAllocationsAsync(1_000);
        var (largeBody, largeAllocated) = await ExportAllocationsAsync(2_000);

        Assert.Multiple(() =>
        {
            Assert.That(largeBody, Is.GreaterThan(smallBody * 19 / 10));
            Assert.That(largeAllocated, Is.LessThan(largeBody / 2), "the document is never held whole (a string of it alone is twice its size)");
            Assert.That((double)largeAllocated / smallAllocated, Is.LessThan(3.0), "twice the routers, about twice the allocations");
        });
    }

    /// <summary>Fills the store with this many routers, waits until routing applied them, then exports twice and returns the second export's size and the bytes allocated meanwhile.</summary>
    private async Task<(long Body, long Allocated)> ExportAllocationsAsync(int routers)
    {
        _store.Update(new ModelRouterConfig
        {
            Llms = [Llm("a", apiKey: "sk-secret-a")],
            Routers = [.. Enumerable.Range(0, routers).Select(i => Router($"router-{i:D5}", "a") with { Description = "a router among many" })],
            Apps = [App("team", "app-key-123", "*")],
        });
        var revision = (await _store.ReadAsync()).Revision;
        var snapshots = _host.Services.GetRequiredService<ModelRouter.Routing.RoutingSnapshotProvider>();
        for (var i = 0; i < 500 && snapshots.Current?.Revision != revision; i++)
        {
            await Task.Delay(10);
        }

        await ReadExportAsync();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var body = await ReadExportAsync();
        return (body, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    /// <summary>Reads the export as it arrives into one small buffer, so that the client holds none of it.</summary>
    private async Task<long> ReadExportAsync()
    {
        using var request = RouterHost.Admin(HttpMethod.Get, "/export");
        using var response = await _host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.Content.ReadAsStreamAsync();
        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }

            return total;
        }
    }

    [Test]
    public async Task DeactivateThenActivate_RouterStopsAndResumesServing()
    {
        await using var vendors = await FakeVendor.StartAsync("vendors", FakeVendor.AnswerByRouteAsync);
        (await _host.SendAdminAsync(HttpMethod.Put, "/llms/a", $$"""{"id":"a","baseUrl":"{{vendors.BaseUrlOf("a")}}","apiKey":"sk-fake-vendor"}""")).Dispose();
        (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson)).Dispose();
        Assert.That(await WaitForStatusAsync("r1", HttpStatusCode.OK), Is.EqualTo(HttpStatusCode.OK));

        using var deactivated = await _host.SendAdminAsync(HttpMethod.Post, "/routers/r1/deactivate");
        Assert.That(JsonNode.Parse(await deactivated.Content.ReadAsStringAsync())!["active"]!.GetValue<bool>(), Is.False);
        Assert.That(await WaitForStatusAsync("r1", HttpStatusCode.NotFound), Is.EqualTo(HttpStatusCode.NotFound));

        using var activated = await _host.SendAdminAsync(HttpMethod.Post, "/routers/r1/activate");
        Assert.That(activated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await WaitForStatusAsync("r1", HttpStatusCode.OK), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ListRouters_Paged_ReturnsOffsetLimitAndTotal()
    {
        foreach (var slug in new[] { "r1", "r2", "r3" })
        {
            (await _host.SendAdminAsync(HttpMethod.Post, "/routers", RouterJson.Replace("r1", slug, StringComparison.Ordinal))).Dispose();
        }

        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/routers?offset=1&limit=1");
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(page["total"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(page["items"]!.AsArray().Select(i => i!["slug"]!.GetValue<string>()), Is.EqualTo(new[] { "r2" }));
        using var bad = await _host.SendAdminAsync(HttpMethod.Get, "/routers?limit=0");
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    private async Task<HttpStatusCode> WaitForStatusAsync(string slug, HttpStatusCode expected)
    {
        // Routing applies a change on its own thread; wait boundedly for it.
        var status = HttpStatusCode.InternalServerError;
        for (var i = 0; i < 50 && status != expected; i++)
        {
            using var response = await _host.ChatAsync(slug, "gpt-4o");
            status = response.StatusCode;
            if (status != expected)
            {
                await Task.Delay(100);
            }
        }

        return status;
    }

    private static string Describe(ModelRouterConfig config)
        => Strip(System.Text.Json.JsonSerializer.Serialize(config with { Revision = "" }, s_reflection));

    private static string Strip(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("revision");
        return node.ToJsonString();
    }
}

[TestFixture]
public sealed class AdminApiConfigurationStoreTests
{
    [Test]
    public async Task ConfigurationStore_ReadsWork_WritesAnswer405()
    {
        await using var host = await RouterHost.StartAsync(new Dictionary<string, string?>
        {
            ["ModelRouter:llms:0:id"] = "a",
            ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:9/v1",
            ["ModelRouter:llms:0:apiKey"] = "sk-config-secret",
            ["ModelRouter:routers:0:slug"] = "r1",
            ["ModelRouter:routers:0:pools:0:name"] = "all",
            ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        });

        using var list = await host.SendAdminAsync(HttpMethod.Get, "/routers");
        using var llm = await host.SendAdminAsync(HttpMethod.Get, "/llms/a");
        using var write = await host.SendAdminAsync(HttpMethod.Delete, "/routers/r1");

        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await llm.Content.ReadAsStringAsync(), Does.Not.Contain("sk-config-secret"));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(await write.Content.ReadAsStringAsync(), Does.Contain("read-only").And.Contain("configuration"));
    }

    [Test]
    public void MapModelRouterAdmin_NoAdminKeyConfigured_Throws()
    {
        var error = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await RouterHost.StartAsync(new Dictionary<string, string?> { ["ModelRouter:adminApiKey"] = "" }));

        Assert.That(error!.Message, Does.Contain("adminApiKey"));
    }

    [Test]
    public async Task MapModelRouterAdmin_HostOptsOut_NoKeyNeeded()
    {
        await using var host = await RouterHost.StartAsync(
            new Dictionary<string, string?> { ["ModelRouter:adminApiKey"] = "" },
            admin: o => o.RequireAdminApiKey = false);

        using var response = await host.Client.GetAsync(new Uri("/admin/llms", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
