using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.AspNetCore.Tests.Admin;

/// <summary>The admin API's live views, <c>GET /admin/state</c> and <c>GET /admin/routers/{slug}/explain</c>, on fake time.</summary>
[TestFixture]
public sealed class AdminLiveViewTests
{
    private const int FailingPort = 5101;
    private const int OkPort = 5102;
    private const int DownPort = 5103;

    private FakeTimeProvider _time = null!;
    private RouterHost _host = null!;

    [SetUp]
    public async Task StartHost()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 30, TimeSpan.Zero));
        var vendors = new MockVendors();
        vendors.Status(FailingPort, HttpStatusCode.InternalServerError, """{"error":{"message":"boom","type":"server_error","param":null,"code":null}}""");
        vendors.Ok(OkPort, "fine");
        vendors.Status(DownPort, HttpStatusCode.InternalServerError, """{"error":{"message":"boom","type":"server_error","param":null,"code":null}}""");
        _host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                o.RequireAppKey = false;
                o.AdminApiKey = RouterHost.AdminKey;
                o.FailureThreshold = 2;
                o.CooldownSeconds = 30;
                o.Llms.Add(new LlmConfig { Id = "failing", BaseUrl = MockVendors.Url(FailingPort), ApiKey = "llm-key-failing" });
                o.Llms.Add(new LlmConfig { Id = "ok", BaseUrl = MockVendors.Url(OkPort), ApiKey = "llm-key-ok" });
                o.Llms.Add(new LlmConfig { Id = "down", BaseUrl = MockVendors.Url(DownPort), ApiKey = "llm-key-down" });
                o.Routers.Add(new RouterConfig { Slug = "prod", Pools = [Pool("all", "*", Vendor("failing"), Vendor("ok", mappings: [("gpt-4o", "ok-large")]))] });
                o.Routers.Add(new RouterConfig { Slug = "down", Pools = [Pool("all", "*", Vendor("down"))] });
            },
            vendors.Handler,
            configureHost: b => b.Services.AddSingleton<TimeProvider>(_time),
            configurePipeline: app => app.MapModelRouterAdmin("/admin"));
    }

    [TearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Get, path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task SendChatsAsync(string slug, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await _host.ChatAsync(slug, "gpt-4o");
        }
    }

    [Test]
    public async Task State_AfterFailures_ShowsEachLlmsHealthAndEachRoutersCounts()
    {
        // prod: round-robin starts every other request at 'failing', which fails over to 'ok'; two failures open its breaker.
        await SendChatsAsync("prod", 4);
        await SendChatsAsync("down", 1);

        var state = await GetJsonAsync("/state");

        var llms = state.GetProperty("llms").EnumerateArray().ToDictionary(l => l.GetProperty("id").GetString()!);
        var failing = llms["failing"];
        Assert.Multiple(() =>
        {
            Assert.That(state.GetProperty("windowMinutes").GetInt32(), Is.EqualTo(15));
            Assert.That(failing.GetProperty("status").GetString(), Is.EqualTo("cooling"));
            Assert.That(failing.GetProperty("reason").GetString(), Is.EqualTo("circuit_open"));
            Assert.That(failing.GetProperty("breaker").GetString(), Is.EqualTo("open"));
            Assert.That(failing.GetProperty("coolingUntil").GetDateTimeOffset(), Is.EqualTo(_time.GetUtcNow() + TimeSpan.FromSeconds(30)));
            Assert.That(failing.GetProperty("recentFailures").GetInt64(), Is.EqualTo(2));
            Assert.That(llms["ok"].GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(llms["ok"].GetProperty("recentFailures").GetInt64(), Is.Zero);
            Assert.That(llms["ok"].TryGetProperty("coolingUntil", out _), Is.False);
            Assert.That(llms["down"].GetProperty("recentFailures").GetInt64(), Is.EqualTo(1));
        });

        var routers = state.GetProperty("routers").EnumerateArray().ToDictionary(r => r.GetProperty("slug").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(Counts(routers["prod"]), Is.EqualTo((4L, 0L, 2L)), "four requests, all served, two after a failover");
            Assert.That(Counts(routers["down"]), Is.EqualTo((1L, 1L, 0L)), "its only vendor failed: an error");
            var minutes = routers["prod"].GetProperty("minutes").EnumerateArray().ToList();
            Assert.That(minutes, Has.Count.EqualTo(15));
            Assert.That(minutes[^1].GetProperty("requests").GetInt64(), Is.EqualTo(4), "the current minute is the last");
            Assert.That(minutes[^1].GetProperty("start").GetDateTimeOffset(), Is.EqualTo(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        });

        // The counts cover the last 15 minutes: after 15 minutes more they are gone, and the breaker has let a trial through.
        _time.Advance(TimeSpan.FromMinutes(15));
        var later = await GetJsonAsync("/state");
        var prod = later.GetProperty("routers").EnumerateArray().Single(r => r.GetProperty("slug").GetString() == "prod");
        Assert.That(Counts(prod), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(later.GetProperty("llms")[0].GetProperty("recentFailures").GetInt64(), Is.Zero);
        Assert.That(later.GetProperty("llms")[0].GetProperty("status").GetString(), Is.EqualTo("trial_due"));
    }

    [Test]
    public async Task Explain_OpenBreaker_ShowsThePoolTheOrderAndWhyTheVendorIsSkipped()
    {
        await SendChatsAsync("prod", 3);

        var explanation = await GetJsonAsync("/routers/prod/explain?model=gpt-4o");

        Assert.Multiple(() =>
        {
            Assert.That(explanation.GetProperty("pool").GetString(), Is.EqualTo("all"));
            Assert.That(explanation.GetProperty("candidates").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "ok" }));
            var vendors = explanation.GetProperty("vendors").EnumerateArray().ToList();
            Assert.That(vendors[0].GetProperty("llm").GetString(), Is.EqualTo("failing"));
            Assert.That(vendors[0].GetProperty("skipped").GetString(), Is.EqualTo("circuit_open"));
            Assert.That(vendors[0].GetProperty("breaker").GetString(), Is.EqualTo("open"));
            Assert.That(vendors[1].GetProperty("mappedModel").GetString(), Is.EqualTo("ok-large"));
            Assert.That(vendors[1].GetProperty("order").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Explain_WithoutModel_Is400ProblemNamingTheParameter()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/routers/prod/explain");

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("model")[0].GetString(), Does.Contain("'model' is required"));
    }

    [Test]
    public async Task Explain_UnknownRouter_Is404Problem()
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/routers/nope/explain?model=gpt-4o");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase("/state")]
    [TestCase("/routers/prod/explain?model=gpt-4o")]
    public async Task LiveViews_WithoutAdminKey_Are401(string path)
    {
        using var response = await _host.Client.GetAsync("/admin" + path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    private static (long Requests, long Errors, long Failovers) Counts(JsonElement router)
        => (router.GetProperty("requests").GetInt64(), router.GetProperty("errors").GetInt64(), router.GetProperty("failovers").GetInt64());
}
