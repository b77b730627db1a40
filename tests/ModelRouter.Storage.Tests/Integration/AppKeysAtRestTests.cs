using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ModelRouter.Storage.Sqlite;

namespace ModelRouter.Storage.Tests.Integration;

/// <summary>App keys in the SQL stores: hashes only on disk, plaintext rows of earlier versions migrated on start, revocation seen by every instance.</summary>
[TestFixture]
public sealed class AppKeysAtRestTests
{
    private const string AppKey = "app-key-plaintext-0123456789";
    private string _path = "";

    [SetUp]
    public void PickFile() => _path = Path.Combine(Path.GetTempPath(), $"modelrouter-keys-{Guid.NewGuid():N}.db");

    [TearDown]
    public void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }

    [Test]
    public async Task SqliteGateway_SeededAndRotated_DatabaseFilesHoldNoAppKey()
    {
        string rotatedKey;
        await using (var host = await RouterHost.StartAsync(Settings("sqlite", $"Data Source={_path}")))
        {
            Assert.That(await ModelsStatusAsync(host, AppKey), Is.EqualTo(HttpStatusCode.OK));
            using var rotated = await host.SendAdminAsync(HttpMethod.Post, "/apps/team/rotate", """{"gracePeriodSeconds":60}""");
            rotatedKey = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["apiKey"]!.GetValue<string>();
            Assert.That(await ModelsStatusAsync(host, rotatedKey), Is.EqualTo(HttpStatusCode.OK));
        }

        var raw = ReadRawFiles();
        Assert.That(raw, Does.Not.Contain(AppKey));
        Assert.That(raw, Does.Not.Contain(rotatedKey));
    }

    [Test]
    public async Task SqliteStore_PlaintextAppKeyRowOfAnEarlierVersion_HashedOnStart_KeyStillValid()
    {
        await using (var store = Open())
        {
            await store.InitializeAsync();
        }

        // A row as an earlier version wrote it: the key in the document, schema version 1.
        await using (var connection = new SqliteConnection($"Data Source={_path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText =
                "INSERT INTO modelrouter_items (kind, item_key, position, revision, document) VALUES ('app', 'TEAM', 1, 1, " +
                $"'{{\"name\":\"team\",\"apiKey\":\"{AppKey}\",\"routers\":[\"*\"]}}'); " +
                "UPDATE modelrouter_meta SET value = 1 WHERE name IN ('revision', 'schema');";
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        Assert.That(ReadRawFiles(), Does.Contain(AppKey), "the test starts from a plaintext row");

        await using (var store = Open())
        {
            var app = (await store.ReadAsync()).FindApp("team")!.Item;
            Assert.That(app.ApiKey, Is.Empty);
            var index = new Model.AppKeyIndex([app]);
            Assert.That(index.Find(AppKey), Is.Not.Null);
        }

        SqliteConnection.ClearAllPools();
        Assert.That(ReadRawFiles(), Does.Not.Contain(AppKey));
    }

    [Test]
    public async Task TwoGatewaysOnPostgres_AppRevokedOnA_RefusedOnBWithinASecond()
    {
        var settings = Settings("postgres", await PostgresTestDatabase.CreateSchemaAsync());
        await using var a = await RouterHost.StartAsync(settings);
        await using var b = await RouterHost.StartAsync(settings);
        Assert.That(await ModelsStatusAsync(b, AppKey), Is.EqualTo(HttpStatusCode.OK));

        using var revoked = await a.SendAdminAsync(HttpMethod.Post, "/apps/team/revoke");
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(1))
        {
            status = await ModelsStatusAsync(b, AppKey);
            if (status == HttpStatusCode.OK)
            {
                await Task.Delay(20);
            }
        }

        Assert.That(status, Is.EqualTo(HttpStatusCode.Unauthorized), $"B still served the revoked key after {clock.ElapsedMilliseconds} ms");
    }

    private static Dictionary<string, string?> Settings(string kind, string connectionString) => new()
    {
        ["ModelRouter:store:kind"] = kind,
        ["ModelRouter:store:connectionString"] = connectionString,
        ["ModelRouter:llms:0:id"] = "a",
        ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:9/v1",
        ["ModelRouter:routers:0:slug"] = "r1",
        ["ModelRouter:routers:0:pools:0:name"] = "all",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        ["ModelRouter:apps:0:name"] = "team",
        ["ModelRouter:apps:0:apiKey"] = AppKey,
        ["ModelRouter:apps:0:routers:0"] = "*",
    };

    private static async Task<HttpStatusCode> ModelsStatusAsync(RouterHost host, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/router/r1/v1/models");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    private SqliteRouterStore Open() => new(new SqlRouterStoreOptions { ConnectionString = $"Data Source={_path}", ResyncInterval = null });

    /// <summary>Reads the database, its write-ahead log and shared memory as bytes, the way a copied file would be read.</summary>
    private string ReadRawFiles()
    {
        var text = new StringBuilder();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(_path + suffix))
            {
                using var file = new FileStream(_path + suffix, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(file, Encoding.Latin1);
                text.Append(reader.ReadToEnd());
            }
        }

        return text.ToString();
    }
}
