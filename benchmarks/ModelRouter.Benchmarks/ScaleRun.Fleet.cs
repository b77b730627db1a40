using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using Npgsql;

namespace ModelRouter.Benchmarks;

/// <content>
/// The fleet step: two instances on one PostgreSQL database; one takes admin writes, and the time until the other's
/// routing applies each (its LISTEN connection hears the NOTIFY, then it reads the rows that changed) is measured.
/// </content>
internal static partial class ScaleRun
{
    /// <summary>The PostgreSQL server: <c>MODELROUTER_TEST_POSTGRES</c> or the file <c>.ci/services</c> writes; <see langword="null"/> when neither is there.</summary>
    private static string? PostgresConnectionString()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MODELROUTER_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        const string file = "/tmp/modelrouter-ci-postgres";
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }

    private static async Task RunFleetAsync(ModelRouterConfig config)
    {
        var server = PostgresConnectionString();
        if (server is null)
        {
            Console.Error.WriteLine("fleet: no PostgreSQL server (run .ci/services or set MODELROUTER_TEST_POSTGRES)");
            return;
        }

        // A schema of its own, dropped at the end.
        var schema = "scale_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}").ConfigureAwait(false);
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
            var settings = new Dictionary<string, string?>
            {
                ["ModelRouter:adminApiKey"] = AdminKey,
                ["ModelRouter:store:kind"] = "postgres",
                ["ModelRouter:store:connectionString"] = connectionString,
            };
            await using var writer = await StartAsync(settings, null, r => r.UsePostgreSqlStore(o =>
            {
                o.ConnectionString = connectionString;
                o.Seed = config;
            })).ConfigureAwait(false);
            var watch = Stopwatch.StartNew();
            await using var observer = await StartAsync(settings, null, r => r.AddPostgreSqlStore()).ConfigureAwait(false);
            Report("fleet-start", watch.Elapsed.TotalSeconds, "s");
            var (_, applied) = await TimeWritesAsync(config, writer, observer).ConfigureAwait(false);
            Report("fleet-applied", Median(applied), "ms");
        }
        finally
        {
            await ExecuteAsync(server, $"DROP SCHEMA {schema} CASCADE").ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
