using Microsoft.Data.Sqlite;
using ModelRouter.Storage.PostgreSql;
using ModelRouter.Storage.Sqlite;

namespace ModelRouter.Storage.Tests.Contract;

[TestFixture]
public sealed class InMemoryRouterStoreContractTests : RouterStoreContractTests
{
    protected override Task<IWritableRouterStore> CreateStoreAsync() => Task.FromResult<IWritableRouterStore>(new InMemoryRouterStore());

    // Memory has no restart to survive, and one process shares one instance.
    protected override Task<IWritableRouterStore> RestartAsync(IWritableRouterStore store) => Task.FromResult(store);

    protected override Task<IWritableRouterStore> OpenAnotherAsync() => Task.FromResult(Store);
}

[TestFixture]
public sealed class SqliteRouterStoreContractTests : RouterStoreContractTests
{
    private string _path = "";

    protected override Task<IWritableRouterStore> CreateStoreAsync()
    {
        _path = Path.Combine(Path.GetTempPath(), $"modelrouter-test-{Guid.NewGuid():N}.db");
        return Task.FromResult<IWritableRouterStore>(Open());
    }

    protected override async Task<IWritableRouterStore> RestartAsync(IWritableRouterStore store)
    {
        await ((IAsyncDisposable)store).DisposeAsync();
        SqliteConnection.ClearAllPools();
        return Open();
    }

    // A second process on the same file: changes arrive through the resync.
    protected override Task<IWritableRouterStore> OpenAnotherAsync() => Task.FromResult<IWritableRouterStore>(Open());

    [TearDown]
    public void DeleteFiles()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }

    private SqliteRouterStore Open() => new SqliteRouterStore(new SqlRouterStoreOptions
    {
        ConnectionString = $"Data Source={_path}",
        ResyncInterval = TimeSpan.FromMilliseconds(200),
    });
}

[TestFixture]
public sealed class PostgreSqlRouterStoreContractTests : RouterStoreContractTests
{
    private string _connectionString = "";

    protected override async Task<IWritableRouterStore> CreateStoreAsync()
    {
        _connectionString = await PostgresTestDatabase.CreateSchemaAsync();
        return Open();
    }

    protected override async Task<IWritableRouterStore> RestartAsync(IWritableRouterStore store)
    {
        await ((IAsyncDisposable)store).DisposeAsync();
        return Open();
    }

    protected override Task<IWritableRouterStore> OpenAnotherAsync() => Task.FromResult<IWritableRouterStore>(Open());

    // The resync is slow on purpose here: a change must arrive through LISTEN/NOTIFY.
    private PostgreSqlRouterStore Open() => new PostgreSqlRouterStore(new SqlRouterStoreOptions
    {
        ConnectionString = _connectionString,
        ResyncInterval = TimeSpan.FromMinutes(5),
    });
}
