using Npgsql;

namespace ModelRouter.Testing;

/// <summary>
/// The PostgreSQL server of the test run: the connection string comes from <c>MODELROUTER_TEST_POSTGRES</c> or the file
/// <c>/tmp/modelrouter-ci-postgres</c> that <c>.ci/services</c> writes. Each caller gets a fresh schema of its own.
/// </summary>
internal static class PostgresTestDatabase
{
    public const string ConnectionFile = "/tmp/modelrouter-ci-postgres";

    public static string BaseConnectionString
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("MODELROUTER_TEST_POSTGRES");
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return fromEnvironment.Trim();
            }

            if (File.Exists(ConnectionFile))
            {
                return File.ReadAllText(ConnectionFile).Trim();
            }

            Assert.Fail($"No PostgreSQL server for the store tests: run .ci/services (it writes {ConnectionFile}) or set MODELROUTER_TEST_POSTGRES.");
            return "";
        }
    }

    /// <summary>Creates an empty schema and returns a connection string whose search path is that schema.</summary>
    public static async Task<string> CreateSchemaAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(BaseConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(BaseConnectionString) { SearchPath = schema }.ConnectionString;
    }
}
