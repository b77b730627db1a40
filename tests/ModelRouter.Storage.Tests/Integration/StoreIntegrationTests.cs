using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Integration;

[TestFixture]
public sealed class StoreIntegrationTests
{
    private FakeVendor _vendors = null!;

    [OneTimeSetUp]
    public async Task StartVendors() => _vendors = await FakeVendor.StartAsync("vendors", FakeVendor.AnswerByRouteAsync);

    [OneTimeTearDown]
    public async Task StopVendors() => await _vendors.DisposeAsync();

    [Test]
    public async Task TwoGatewaysOnPostgres_RouterCreatedThroughA_ServesOnB()
    {
        var connectionString = await PostgresTestDatabase.CreateSchemaAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ModelRouter:store:kind"] = "postgres",
            ["ModelRouter:store:connectionString"] = connectionString,
            ["ModelRouter:llms:0:id"] = "a",
            ["ModelRouter:llms:0:baseUrl"] = _vendors.BaseUrlOf("a"),
            ["ModelRouter:apps:0:name"] = "team",
            ["ModelRouter:apps:0:apiKey"] = "app-key-123",
            ["ModelRouter:apps:0:routers:0"] = "*",
        };
        await using var a = await RouterHost.StartAsync(settings);
        await using var b = await RouterHost.StartAsync(settings);
        using (var before = await b.ChatAsync("fleet", "gpt-4o"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        using var created = await a.SendAdminAsync(HttpMethod.Post, "/routers", """{"slug":"fleet","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""");
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        // B learns of it through LISTEN/NOTIFY (the resync runs every 5 s); poll boundedly.
        var status = HttpStatusCode.NotFound;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            using var response = await b.ChatAsync("fleet", "gpt-4o");
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(50);
            }
        }

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task SqliteGateway_SeededOnce_ManagedDataSurvivesRestartAndIsNotOverwritten()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelrouter-gw-{Guid.NewGuid():N}.db");
        var settings = new Dictionary<string, string?>
        {
            ["ModelRouter:store:kind"] = "sqlite",
            ["ModelRouter:store:connectionString"] = $"Data Source={path}",
            ["ModelRouter:llms:0:id"] = "a",
            ["ModelRouter:llms:0:baseUrl"] = _vendors.BaseUrlOf("a"),
            ["ModelRouter:routers:0:slug"] = "seeded",
            ["ModelRouter:routers:0:pools:0:name"] = "all",
            ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
            ["ModelRouter:apps:0:name"] = "team",
            ["ModelRouter:apps:0:apiKey"] = "app-key-123",
            ["ModelRouter:apps:0:routers:0"] = "*",
        };
        try
        {
            await using (var first = await RouterHost.StartAsync(settings))
            {
                using var served = await first.ChatAsync("seeded", "gpt-4o");
                Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                (await first.SendAdminAsync(HttpMethod.Post, "/routers", """{"slug":"managed","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""")).Dispose();
                (await first.SendAdminAsync(HttpMethod.Delete, "/routers/seeded")).Dispose();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await using var second = await RouterHost.StartAsync(settings);
            using var managed = await second.ChatAsync("managed", "gpt-4o");
            using var seeded = await second.ChatAsync("seeded", "gpt-4o");

            Assert.That(managed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(seeded.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a non-empty store is never re-seeded from configuration");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }

    [Test]
    public async Task ReloadUnderLoad_RouterReplacedRepeatedly_NoFailedOrMisroutedRequest()
    {
        var store = new InMemoryRouterStore(new ModelRouterConfig
        {
            Llms = [Llm("a", _vendors.BaseUrlOf("a")), Llm("b", _vendors.BaseUrlOf("b"))],
            Routers = [Version("a")],
            Apps = [App("team", "app-key-123", "*")],
        });
        await using var host = await RouterHost.StartAsync(new Dictionary<string, string?>(), r => r.UseStore(store));
        using var stop = new CancellationTokenSource();

        // The writer swaps the whole router between two versions: vendor a with model-a, vendor b with model-b.
        var replacements = 0;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 200 && !stop.IsCancellationRequested; i++)
            {
                var version = i % 2 == 0 ? "b" : "a";
                using var response = await host.SendAdminAsync(HttpMethod.Put, "/routers/load", RouterJson(version));
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                replacements++;
                await Task.Delay(10);
            }
        });

        var outcomes = new List<string>();
        var clients = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            for (var i = 0; i < 100; i++)
            {
                using var response = await host.ChatAsync("load", "m");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    mine.Add($"status {(int)response.StatusCode}");
                    continue;
                }

                var vendor = response.Headers.GetValues("x-model-router-vendor").Single();
                var json = JsonNode.Parse(body)!;
                var model = json["model"]!.GetValue<string>();
                var content = json["choices"]![0]!["message"]!["content"]!.GetValue<string>();
                mine.Add(model == $"model-{vendor}" && content == $"vendor {vendor}" ? "ok" : $"misrouted: {vendor} {model} {content}");
            }

            return mine;
        })).ToArray();
        foreach (var result in await Task.WhenAll(clients))
        {
            outcomes.AddRange(result);
        }

        await stop.CancelAsync();
        await writer;

        Assert.That(outcomes, Has.Count.EqualTo(300));
        Assert.That(outcomes.Where(o => o != "ok"), Is.Empty);
        Assert.That(replacements, Is.GreaterThan(1));
    }

    private static RouterConfig Version(string llm) => new()
    {
        Slug = "load",
        Pools = [new PoolConfig { Name = "all", Vendors = [new VendorConfig { Llm = llm, ModelMappings = [new ModelMappingConfig { Source = "m", Target = "model-" + llm }] }] }],
    };

    private static string RouterJson(string llm)
        => $$"""{"slug":"load","pools":[{"name":"all","vendors":[{"llm":"{{llm}}","modelMappings":[{"source":"m","target":"model-{{llm}}"}]}]}]}""";
}
