using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Storage.PostgreSql;
using ModelRouter.Storage.Sqlite;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Integration;

/// <summary><c>UseSqliteStore</c> and <c>UsePostgreSqlStore</c>: the store the host names in code, seeded with the registered validator.</summary>
[TestFixture]
public sealed class UseStoreTests
{
    private static readonly ModelRouterConfig s_seed = new() { Llms = [Llm("a")], Routers = [Router("seeded", "a")] };

    [Test]
    public async Task UseSqliteStore_EmptyDatabaseWithSeed_ServesTheSeed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"modelrouter-test-{Guid.NewGuid():N}.db");
        try
        {
            var services = new ServiceCollection()
                .AddModelRouter()
                .UseSqliteStore(o => (o.ConnectionString, o.Seed) = ($"Data Source={path}", s_seed))
                .Services.BuildServiceProvider();
            await using (services)
            {
                var store = services.GetRequiredService<IRouterStore>();

                Assert.That(store, Is.InstanceOf<SqliteRouterStore>());
                Assert.That((await store.GetConfigAsync()).Routers.Select(r => r.Slug), Is.EqualTo(new[] { "seeded" }));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }

    [Test]
    public async Task UsePostgreSqlStore_EmptyDatabaseWithInvalidSeed_RefusesItWithTheValidatorsMessage()
    {
        var connectionString = await PostgresTestDatabase.CreateSchemaAsync();
        var invalid = s_seed with { Routers = [Router("seeded", "missing")] };
        var services = new ServiceCollection()
            .AddModelRouter()
            .UsePostgreSqlStore(o => (o.ConnectionString, o.Seed) = (connectionString, invalid))
            .Services.BuildServiceProvider();
        await using (services)
        {
            var store = services.GetRequiredService<IRouterStore>();

            Assert.That(store, Is.InstanceOf<PostgreSqlRouterStore>());
            var error = Assert.ThrowsAsync<ModelRouterConfigurationException>(async () => await store.GetConfigAsync());
            Assert.That(error!.Message, Does.Contain("missing"));
        }
    }
}
