using System.Data.Common;
using Microsoft.Data.Sqlite;
using ModelRouter.Configuration;
using ModelRouter.Storage.PostgreSql;
using ModelRouter.Storage.Sqlite;
using Npgsql;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Contract;

/// <summary>
/// Rows as other versions wrote them: a row written before a field existed reads with that field's default, a row
/// written by a later version with a field this one does not know still reads, and a broken row names itself.
/// </summary>
public abstract class StoredDocumentTests
{
    private IWritableRouterStore? _store;

    /// <summary>Creates an empty store.</summary>
    protected abstract Task<IWritableRouterStore> CreateStoreAsync();

    /// <summary>Opens the same data in a new instance, as a restarted gateway would.</summary>
    protected abstract IWritableRouterStore Reopen();

    /// <summary>Opens a connection to the store's database.</summary>
    protected abstract Task<DbConnection> ConnectAsync();

    [SetUp]
    public async Task SetUpStore()
    {
        _store = await CreateStoreAsync();
        await _store.ApplyAsync(RouterStoreChange.CreateLlm(Llm("a", apiKey: "sk-secret-a")), Validator);
        await _store.ApplyAsync(RouterStoreChange.CreateRouter(Router("r1", "a")), Validator);
        await _store.ApplyAsync(RouterStoreChange.CreateApp(App("team", "app-key-123", "r1")), Validator);
    }

    [TearDown]
    public async Task TearDownStore() => await ((IAsyncDisposable)_store!).DisposeAsync();

    [Test]
    public async Task Read_RowsWrittenBeforeLaterFieldsExisted_GetTheirDefaults()
    {
        await RewriteAsync("llm", "a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","apiKey":"sk-secret-a"}""");
        await RewriteAsync("router", "r1", """{"slug":"r1","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}""");
        await RewriteAsync("app", "team", """{"name":"team","apiKey":"app-key-123"}""");

        var contents = await ReadAfterRestartAsync();

        var llm = contents.FindLlm("a")!.Item;
        var router = contents.FindRouter("r1")!.Item;
        var pool = router.Pools.Single();
        var vendor = pool.Vendors.Single();
        Assert.Multiple(() =>
        {
            Assert.That((llm.Provider, llm.ApiKey, llm.ApiVersion, llm.DefaultMaxTokens), Is.EqualTo(("openai", "sk-secret-a", (string?)null, (int?)null)));
            Assert.That((llm.ConnectTimeoutSeconds, llm.TimeoutSeconds, llm.StreamIdleTimeoutSeconds), Is.EqualTo((10.0, 100.0, 60.0)));
            Assert.That(llm.Headers, Is.Empty);
            Assert.That((router.Name, router.Description, router.Active), Is.EqualTo(("", "", true)));
            Assert.That(router.Namespaces, Is.Empty);
            Assert.That((pool.ModelPattern, pool.Algorithm, pool.Priority, pool.MaxAttempts, pool.FailoverStatusCodes), Is.EqualTo(("*", "round_robin", 0, (int?)null, (IReadOnlyList<int>?)null)));
            Assert.That((vendor.Weight, vendor.Active), Is.EqualTo((1, true)));
            Assert.That(vendor.ModelMappings, Is.Empty);
            Assert.That(contents.FindApp("team")!.Item.Routers, Is.Empty);
        });
    }

    [Test]
    public async Task Write_FallbackPoolsAndRequestTimeout_AreKeptAcrossARestart()
    {
        var router = new RouterConfig
        {
            Slug = "r2",
            RequestTimeoutSeconds = 2.5,
            Pools =
            [
                new PoolConfig { Name = "small", ModelPattern = "gpt-*", Fallbacks = ["large", "any"], ContextWindowFallbacks = ["large"], Vendors = [new VendorConfig { Llm = "a" }] },
                new PoolConfig { Name = "large", Vendors = [new VendorConfig { Llm = "a" }] },
                new PoolConfig { Name = "any", Vendors = [new VendorConfig { Llm = "a" }] },
            ],
        };
        await _store!.ApplyAsync(RouterStoreChange.CreateRouter(router), Validator);

        var read = (await ReadAfterRestartAsync()).FindRouter("r2")!.Item;

        Assert.Multiple(() =>
        {
            Assert.That(read.RequestTimeoutSeconds, Is.EqualTo(2.5));
            Assert.That(read.Pools[0].Fallbacks, Is.EqualTo(new[] { "large", "any" }));
            Assert.That(read.Pools[0].ContextWindowFallbacks, Is.EqualTo(new[] { "large" }));
            Assert.That(read.Pools[1].Fallbacks, Is.Empty);
        });
    }

    [Test]
    public async Task Read_RowSettingZeroFalseAndEmptyLists_KeepsThem()
    {
        await RewriteAsync("router", "r1", """{"slug":"r1","active":false,"pools":[{"name":"all","failoverStatusCodes":[],"vendors":[{"llm":"a","weight":0,"active":false}]}]}""");

        var router = (await ReadAfterRestartAsync()).FindRouter("r1")!.Item;

        Assert.Multiple(() =>
        {
            Assert.That(router.Active, Is.False);
            Assert.That(router.Pools[0].FailoverStatusCodes, Is.Empty);
            Assert.That((router.Pools[0].Vendors[0].Weight, router.Pools[0].Vendors[0].Active), Is.EqualTo((0, false)));
        });
    }

    [Test]
    public async Task Read_RowWithFieldsOfALaterVersion_ReadsWhatItKnows()
    {
        await RewriteAsync("llm", "a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","apiKey":"sk-secret-a","timeoutSeconds":20,"rateLimit":{"rpm":60},"tags":["x"]}""");

        var llm = (await ReadAfterRestartAsync()).FindLlm("a")!.Item;

        Assert.That((llm.Id, llm.TimeoutSeconds, llm.ApiKey), Is.EqualTo(("a", 20.0, "sk-secret-a")));
    }

    [Test]
    public async Task Read_RowOfTheWrongShape_FailsNamingTheItemAndTheField()
    {
        await RewriteAsync("router", "r1", """{"slug":"r1","pools":[{"name":"all","vendors":[{"llm":"a","weight":"heavy"}]}]}""");
        var store = Reopen();
        try
        {
            var ex = Assert.ThrowsAsync<ModelRouterConfigurationException>(async () => await store.ReadAsync())!;

            Assert.That(ex.Message, Does.Contain("router 'r1'").IgnoreCase.And.Contain("pools[0].vendors[0].weight"));
        }
        finally
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    private async Task<RouterStoreContents> ReadAfterRestartAsync()
    {
        var store = Reopen();
        try
        {
            return await store.ReadAsync();
        }
        finally
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    private async Task RewriteAsync(string kind, string key, string document)
    {
        var connection = await ConnectAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE modelrouter_items SET document = @document WHERE kind = @kind AND item_key = @key";
            foreach (var (name, value) in new[] { ("@document", document), ("@kind", kind), ("@key", key.ToUpperInvariant()) })
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1), $"{kind} '{key}' is stored");
        }
    }
}

[TestFixture]
public sealed class SqliteStoredDocumentTests : StoredDocumentTests
{
    private readonly List<string> _paths = [];
    private string _path = "";

    protected override Task<IWritableRouterStore> CreateStoreAsync()
    {
        _path = Path.Combine(Path.GetTempPath(), $"modelrouter-test-{Guid.NewGuid():N}.db");
        _paths.Add(_path);
        return Task.FromResult(Reopen());
    }

    protected override IWritableRouterStore Reopen()
        => new SqliteRouterStore(new SqlRouterStoreOptions { ConnectionString = $"Data Source={_path}", ResyncInterval = null });

    protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync();
        return connection;
    }

    [OneTimeTearDown]
    public void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var path in _paths)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }
}

[TestFixture]
public sealed class PostgreSqlStoredDocumentTests : StoredDocumentTests
{
    private string _connectionString = "";

    protected override async Task<IWritableRouterStore> CreateStoreAsync()
    {
        _connectionString = await PostgresTestDatabase.CreateSchemaAsync();
        return Reopen();
    }

    protected override IWritableRouterStore Reopen()
        => new PostgreSqlRouterStore(new SqlRouterStoreOptions { ConnectionString = _connectionString, ResyncInterval = null });

    protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
