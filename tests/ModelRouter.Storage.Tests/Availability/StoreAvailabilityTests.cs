using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace ModelRouter.Storage.Tests.Availability;

/// <summary>
/// A store that does not answer: a new instance still starts, answers 503 (OpenAI envelope on the chat endpoint,
/// problem+json on the admin API, both with <c>Retry-After</c>) and reports unhealthy until the store first answers,
/// then serves; an instance already running keeps serving while its admin API says the store is unavailable.
/// </summary>
[TestFixture]
public sealed class StoreAvailabilityTests
{
    private const string Password = "pg-password-never-shown-7f3a";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    private FakeVendor _vendors = null!;

    [OneTimeSetUp]
    public async Task StartVendors() => _vendors = await FakeVendor.StartAsync("vendors", FakeVendor.AnswerByRouteAsync);

    [OneTimeTearDown]
    public async Task StopVendors() => await _vendors.DisposeAsync();

    [Test]
    public async Task PostgresDownAtStart_HostStartsAnswers503AndIsUnhealthy_ThenServesOnceTheStoreAnswers()
    {
        var schema = new NpgsqlConnectionStringBuilder(await PostgresTestDatabase.CreateSchemaAsync());
        await using var proxy = LoopbackTcpProxy.CreateDown(schema.Host!, schema.Port);
        var connectionString = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Password = Password }.ConnectionString;

        await using var host = await RouterHost.StartAsync(Settings("postgres", connectionString), WithLogsAndHealth, healthz: true);

        await AssertUnavailableAsync(host);
        var logs = host.Services.GetFakeLogCollector();
        await WaitUntilAsync(() => StoreWarnings(logs).Count >= 2, "two failed tries, each logged");

        proxy.Up();
        await WaitUntilServedAsync(host);

        await AssertHealthyAsync(host);
        using var routers = await host.SendAdminAsync(HttpMethod.Get, "/routers");
        Assert.That(routers.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await routers.Content.ReadAsStringAsync(), Does.Contain("\"seeded\""), "the store was seeded once it answered");
        var warnings = StoreWarnings(logs);
        Assert.That(warnings.Select(w => w.Message), Has.All.Contains("postgres"));
        Assert.That(logs.GetSnapshot().Select(r => r.Message + r.Exception), Has.None.Contains(Password), "no log line shows the password");
    }

    [Test]
    public async Task SqliteCannotOpenAtStart_HostStartsAnswers503AndIsUnhealthy_ThenServesOnceTheFileOpens()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"modelrouter-missing-{Guid.NewGuid():N}");
        try
        {
            await using var host = await RouterHost.StartAsync(Settings("sqlite", $"Data Source={Path.Combine(directory, "store.db")}"), WithLogsAndHealth, healthz: true);

            await AssertUnavailableAsync(host);
            var logs = host.Services.GetFakeLogCollector();
            await WaitUntilAsync(() => StoreWarnings(logs).Count >= 2, "two failed tries, each logged");

            Directory.CreateDirectory(directory);
            await WaitUntilServedAsync(host);

            await AssertHealthyAsync(host);
            Assert.That(StoreWarnings(logs).Select(w => w.Message), Has.All.Contains("sqlite"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Test]
    public async Task PostgresDownWhileRunning_AdminAnswers503ProblemWithRetryAfter_ChatKeepsServing()
    {
        var schema = new NpgsqlConnectionStringBuilder(await PostgresTestDatabase.CreateSchemaAsync());
        await using var proxy = LoopbackTcpProxy.CreateDown(schema.Host!, schema.Port);
        proxy.Up();
        var connectionString = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Password = Password }.ConnectionString;
        await using var host = await RouterHost.StartAsync(Settings("postgres", connectionString), WithLogsAndHealth, healthz: true);
        using (var before = await host.SendAdminAsync(HttpMethod.Get, "/routers"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await proxy.DownAsync();

        foreach (var (method, path, body) in new[]
        {
            (HttpMethod.Get, "/routers", (string?)null),
            (HttpMethod.Get, "/export", null),
            (HttpMethod.Post, "/routers", """{"slug":"another","pools":[{"name":"all","vendors":[{"llm":"a"}]}]}"""),
            (HttpMethod.Delete, "/apps/team", null),
        })
        {
            using var response = await host.SendAdminAsync(method, path, body);
            await AssertStoreUnavailableProblemAsync(response, $"{method} {path}");
        }

        using (var chat = await host.ChatAsync("seeded", "gpt-4o"))
        {
            Assert.That(chat.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the running instance keeps serving its last configuration");
        }

        await AssertHealthyAsync(host);
        Assert.That(host.Services.GetFakeLogCollector().GetSnapshot().Select(r => r.Message + r.Exception), Has.None.Contains(Password));

        proxy.Up();
        await WaitUntilAsync(
            async () =>
            {
                using var response = await host.SendAdminAsync(HttpMethod.Get, "/routers");
                return response.StatusCode == HttpStatusCode.OK;
            },
            "the admin API answers again once the store does");
    }

    private static void WithLogsAndHealth(IModelRouterBuilder router)
    {
        router.Services.AddFakeLogging();
        router.Services.AddHealthChecks();
    }

    private Dictionary<string, string?> Settings(string kind, string connectionString) => new()
    {
        ["ModelRouter:store:kind"] = kind,
        ["ModelRouter:store:connectionString"] = connectionString,
        ["ModelRouter:storeRetryDelaySeconds"] = "0.05",
        ["ModelRouter:storeRetryMaxDelaySeconds"] = "0.25",
        ["ModelRouter:llms:0:id"] = "a",
        ["ModelRouter:llms:0:baseUrl"] = _vendors.BaseUrlOf("a"),
        ["ModelRouter:routers:0:slug"] = "seeded",
        ["ModelRouter:routers:0:pools:0:name"] = "all",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "a",
        ["ModelRouter:apps:0:name"] = "team",
        ["ModelRouter:apps:0:apiKey"] = "app-key-123",
        ["ModelRouter:apps:0:routers:0"] = "*",
    };

    private static List<FakeLogRecord> StoreWarnings(FakeLogCollector logs)
        => [.. logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning && r.Message.Contains("unavailable", StringComparison.OrdinalIgnoreCase))];

    /// <summary>The chat endpoint, the health check and the admin API all say the store is not there yet.</summary>
    private static async Task AssertUnavailableAsync(RouterHost host)
    {
        using (var chat = await host.ChatAsync("seeded", "gpt-4o"))
        {
            var text = await chat.Content.ReadAsStringAsync();
            Assert.That(chat.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
            Assert.That(chat.Headers.RetryAfter?.Delta, Is.Not.Null.And.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "Retry-After in seconds");
            var error = JsonNode.Parse(text)!["error"]!;
            Assert.That(error["message"]!.GetValue<string>(), Does.Contain("store"));
            Assert.That(error["type"]!.GetValue<string>(), Is.EqualTo("service_unavailable_error"));
            Assert.That(error["code"]!.GetValue<string>(), Is.EqualTo("store_unavailable"));
            Assert.That(text, Does.Not.Contain(Password).And.Not.Contain("Host="));
        }

        using (var health = await host.Client.GetAsync("/healthz"))
        {
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("Unhealthy"));
        }

        using var admin = await host.SendAdminAsync(HttpMethod.Get, "/routers");
        await AssertStoreUnavailableProblemAsync(admin, "GET /routers");
    }

    private static async Task AssertStoreUnavailableProblemAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{what}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), what);
        Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null.And.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), what);
        var problem = JsonNode.Parse(text)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(503), what);
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("store").And.Contain("unavailable"), what);
        Assert.That(text, Does.Not.Contain(Password).And.Not.Contain("Host=").And.Not.Contain("127.0.0.1"), what);
    }

    private static async Task AssertHealthyAsync(RouterHost host)
    {
        using var health = await host.Client.GetAsync("/healthz");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await health.Content.ReadAsStringAsync(), Is.EqualTo("Healthy"));
    }

    private static Task WaitUntilServedAsync(RouterHost host) => WaitUntilAsync(
        async () =>
        {
            using var chat = await host.ChatAsync("seeded", "gpt-4o");
            return chat.StatusCode == HttpStatusCode.OK;
        },
        "the seeded router is served once the store answers");

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > s_deadline)
            {
                Assert.Fail($"Not within {s_deadline.TotalSeconds} s: {what}.");
            }

            await Task.Delay(50);
        }
    }
}
