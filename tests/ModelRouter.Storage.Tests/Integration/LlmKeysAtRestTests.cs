using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ModelRouter.Storage.Tests.Integration;

/// <summary>LLM keys and header values in the SQL stores: encrypted with ASP.NET Core Data Protection, plaintext rows of earlier versions encrypted on start.</summary>
[TestFixture]
public sealed class LlmKeysAtRestTests
{
    private const string LlmKey = "sk-llm-plaintext-0123456789";
    private const string OrgHeader = "org-header-secret-0123456789";
    private const string AppKey = "app-key-plaintext-0123456789";
    private string _path = "";

    [SetUp]
    public void PickFile() => _path = Path.Combine(Path.GetTempPath(), $"modelrouter-llmkeys-{Guid.NewGuid():N}.db");

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
    public async Task SqliteGateway_DatabaseFilesHoldNoLlmKeyAndNoAppKey_TheRouterStillReadsThem()
    {
        await using (var host = await RouterHost.StartAsync(Settings()))
        {
            using var put = await host.SendAdminAsync(HttpMethod.Put, "/llms/b",
                """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","apiKey":"sk-put-through-admin-0123456789"}""");
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
            var store = (IWritableRouterStore)host.Services.GetRequiredService<IRouterStore>();
            var contents = await store.ReadAsync();
            Assert.That(contents.FindLlm("a")!.Item.ApiKey, Is.EqualTo(LlmKey));
            Assert.That(contents.FindLlm("a")!.Item.Headers.Single().Value, Is.EqualTo(OrgHeader));
            Assert.That(contents.FindLlm("b")!.Item.ApiKey, Is.EqualTo("sk-put-through-admin-0123456789"));
        }

        var raw = ReadRawFiles();
        Assert.That(raw, Does.Not.Contain(LlmKey));
        Assert.That(raw, Does.Not.Contain(OrgHeader));
        Assert.That(raw, Does.Not.Contain("sk-put-through-admin-0123456789"));
        Assert.That(raw, Does.Not.Contain(AppKey));
    }

    [Test]
    public async Task SqliteGateway_PlaintextLlmRowOfAnEarlierVersion_EncryptedOnStart_KeyStillUsable()
    {
        await using (var host = await RouterHost.StartAsync(Settings()))
        {
        }

        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={_path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText =
                "UPDATE modelrouter_items SET document = " +
                $"'{{\"id\":\"a\",\"baseUrl\":\"http://127.0.0.1:9/v1\",\"apiKey\":\"{LlmKey}\",\"headers\":[{{\"name\":\"X-Org\",\"value\":\"{OrgHeader}\"}}]}}' " +
                "WHERE kind = 'llm' AND item_key = 'A'; UPDATE modelrouter_meta SET value = value + 1 WHERE name = 'revision';";
            Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(2));
        }

        SqliteConnection.ClearAllPools();
        Assert.That(ReadRawFiles(), Does.Contain(LlmKey), "the test starts from a plaintext row");

        await using (var host = await RouterHost.StartAsync(Settings()))
        {
            var store = (IWritableRouterStore)host.Services.GetRequiredService<IRouterStore>();
            var llm = (await store.ReadAsync()).FindLlm("a")!.Item;
            Assert.That((llm.ApiKey, llm.Headers.Single().Value), Is.EqualTo((LlmKey, OrgHeader)));
        }

        SqliteConnection.ClearAllPools();
        var raw = ReadRawFiles();
        Assert.That(raw, Does.Not.Contain(LlmKey));
        Assert.That(raw, Does.Not.Contain(OrgHeader));
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["ModelRouter:store:kind"] = "sqlite",
        ["ModelRouter:store:connectionString"] = $"Data Source={_path}",
        ["ModelRouter:llms:0:id"] = "a",
        ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:9/v1",
        ["ModelRouter:llms:0:apiKey"] = LlmKey,
        ["ModelRouter:llms:0:headers:0:name"] = "X-Org",
        ["ModelRouter:llms:0:headers:0:value"] = OrgHeader,
        ["ModelRouter:llms:1:id"] = "b",
        ["ModelRouter:llms:1:baseUrl"] = "http://127.0.0.1:9/v1",
        ["ModelRouter:routers:0:slug"] = "r1",
        ["ModelRouter:routers:0:pools:0:name"] = "all",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        ["ModelRouter:apps:0:name"] = "team",
        ["ModelRouter:apps:0:apiKey"] = AppKey,
        ["ModelRouter:apps:0:routers:0"] = "*",
    };

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
