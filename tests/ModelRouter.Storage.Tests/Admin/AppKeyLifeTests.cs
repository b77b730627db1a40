using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>App keys through the admin API: generated and shown once, rotated with a grace period, revoked; apps inactive or expired.</summary>
[TestFixture]
public sealed class AppKeyLifeTests
{
    private static readonly System.Text.Json.JsonSerializerOptions s_web = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private InMemoryRouterStore _store = null!;
    private RouterHost _host = null!;

    [SetUp]
    public async Task StartHost()
    {
        _store = new InMemoryRouterStore(new ModelRouterConfig
        {
            Llms = [Llm("a", apiKey: "sk-secret-a")],
            Routers = [Router("r1", "a")],
            Apps = [App("team", "app-key-123", "*")],
        });
        _host = await RouterHost.StartAsync(new Dictionary<string, string?>(), b =>
        {
            b.UseStore(_store);
            b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
        });
    }

    [TearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [Test]
    public async Task CreateApp_WithoutKey_AnswersAGeneratedKeyOnce_ThatWorks_AndReadsMaskIt()
    {
        using var created = await _host.SendAdminAsync(HttpMethod.Post, "/apps", """{"name":"ops","routers":["r1"]}""");
        var text = await created.Content.ReadAsStringAsync();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        var key = JsonNode.Parse(text)!["apiKey"]!.GetValue<string>();
        Assert.That(key, Has.Length.GreaterThanOrEqualTo(40).And.Not.EqualTo("********"));

        Assert.That(await ModelsStatusAsync(key), Is.EqualTo(HttpStatusCode.OK));
        foreach (var path in new[] { "/apps/ops", "/apps", "/export" })
        {
            using var read = await _host.SendAdminAsync(HttpMethod.Get, path);
            Assert.That(await read.Content.ReadAsStringAsync(), Does.Not.Contain(key), path);
        }

        // A second app gets another key.
        using var other = await _host.SendAdminAsync(HttpMethod.Post, "/apps", """{"name":"ops2","routers":["r1"]}""");
        Assert.That(JsonNode.Parse(await other.Content.ReadAsStringAsync())!["apiKey"]!.GetValue<string>(), Is.Not.EqualTo(key));
    }

    [TestCase("POST", "/apps", """{"name":"ops","apiKey":"chosen-by-client-1","routers":["r1"]}""")]
    [TestCase("PUT", "/apps/team", """{"name":"team","apiKey":"chosen-by-client-1","routers":["r1"]}""")]
    public async Task WriteApp_WithAKeyOfItsOwn_400NamingApiKey(string method, string path, string body)
    {
        using var response = await _host.SendAdminAsync(new HttpMethod(method), path, body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonNode.Parse(text)!["errors"]!["apiKey"], Is.Not.Null, text);
        Assert.That(text, Does.Not.Contain("chosen-by-client-1"));
        Assert.That(await ModelsStatusAsync("chosen-by-client-1"), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task StoredApp_HoldsOnlyAHashOfItsKey()
    {
        var stored = (await _store.ReadAsync()).FindApp("team")!.Item;

        var json = System.Text.Json.JsonSerializer.Serialize(stored, s_web);
        Assert.That(json, Does.Not.Contain("app-key-123").And.Contain("sha256:"));
        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Rotate_WithGracePeriod_BothKeysValidUntilItEnds_ThenOnlyTheNewOne()
    {
        using var rotated = await _host.SendAdminAsync(HttpMethod.Post, "/apps/team/rotate", """{"gracePeriodSeconds":600}""");
        var text = await rotated.Content.ReadAsStringAsync();
        Assert.That(rotated.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var body = JsonNode.Parse(text)!;
        var key = body["apiKey"]!.GetValue<string>();
        Assert.That(key, Has.Length.GreaterThanOrEqualTo(40));
        Assert.That(body["previousKeyExpiresAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(_time.GetUtcNow().AddSeconds(600)));

        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.OK), "the old key during the grace period");
        Assert.That(await ModelsStatusAsync(key), Is.EqualTo(HttpStatusCode.OK), "the new key");

        _time.Advance(TimeSpan.FromSeconds(601));

        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.Unauthorized), "the old key after the grace period");
        Assert.That(await ModelsStatusAsync(key), Is.EqualTo(HttpStatusCode.OK));
        using var read = await _host.SendAdminAsync(HttpMethod.Get, "/apps/team");
        Assert.That(await read.Content.ReadAsStringAsync(), Does.Not.Contain(key));
    }

    [Test]
    public async Task Rotate_WithoutGracePeriod_OldKeyRefusedAtOnce()
    {
        using var rotated = await _host.SendAdminAsync(HttpMethod.Post, "/apps/team/rotate");
        var key = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["apiKey"]!.GetValue<string>();

        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await ModelsStatusAsync(key), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Rotate_UnknownAppOrBadGrace_404Or400()
    {
        using var unknown = await _host.SendAdminAsync(HttpMethod.Post, "/apps/nobody/rotate");
        using var negative = await _host.SendAdminAsync(HttpMethod.Post, "/apps/team/rotate", """{"gracePeriodSeconds":-1}""");

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(negative.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.OK), "a refused rotation changes nothing");
    }

    [Test]
    public async Task Revoke_EveryKeyOfTheAppRefused_EvenInItsGracePeriod()
    {
        using var rotated = await _host.SendAdminAsync(HttpMethod.Post, "/apps/team/rotate", """{"gracePeriodSeconds":600}""");
        var key = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["apiKey"]!.GetValue<string>();

        using var revoked = await _host.SendAdminAsync(HttpMethod.Post, "/apps/team/revoke");

        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.OK), await revoked.Content.ReadAsStringAsync());
        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await ModelsStatusAsync(key), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task InactiveApp_Refused403_UntilActiveAgain()
    {
        using var off = await _host.SendAdminAsync(HttpMethod.Put, "/apps/team", """{"name":"team","routers":["*"],"active":false}""");
        Assert.That(off.StatusCode, Is.EqualTo(HttpStatusCode.OK), await off.Content.ReadAsStringAsync());

        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.Forbidden));

        using var on = await _host.SendAdminAsync(HttpMethod.Put, "/apps/team", """{"name":"team","routers":["*"],"active":true}""");
        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.OK), "the stored key is kept by a PUT without one");
    }

    [Test]
    public async Task AppWithExpiry_ServedUntilThen_Refused401After()
    {
        var expiry = _time.GetUtcNow().AddHours(1).ToString("O");
        using var put = await _host.SendAdminAsync(HttpMethod.Put, "/apps/team", $$"""{"name":"team","routers":["*"],"expiresAt":"{{expiry}}"}""");
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());
        Assert.That(await ModelsStatusAsync("app-key-123"), Is.EqualTo(HttpStatusCode.OK));

        _time.Advance(TimeSpan.FromHours(1));

        using var response = await ModelsAsync("app-key-123");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("expired"));
    }

    private async Task<HttpResponseMessage> ModelsAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/router/r1/v1/models");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return await _host.Client.SendAsync(request);
    }

    private async Task<HttpStatusCode> ModelsStatusAsync(string key)
    {
        using var response = await ModelsAsync(key);
        return response.StatusCode;
    }
}
