using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace ModelRouter.IntegrationTests.Hostile;

/// <summary>
/// The gateway the hostile suite attacks: real Kestrel on 127.0.0.1, the chat endpoint and the admin API over a SQLite
/// store, one fake vendor. The server's own limits are the host's to set (the library sets none on Kestrel); this host
/// sets them short so that the suite stays fast: a body must arrive at 240 B/s after a 2 s grace (the shortest Kestrel allows), headers within 1 s.
/// </summary>
internal static class HostileGateway
{
    public const string AppKey = "app-key-hostile-suite-01";

    /// <summary>The router whose single pool matches every model.</summary>
    public const string Slug = "hostile";

    /// <summary>The router whose single pool matches only <c>gpt-4o</c>, created through the admin API.</summary>
    public const string LiteralSlug = "literal";

    /// <summary>The router's <c>maxRequestBodyBytes</c> in the suite (chat and admin bodies).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The time any single hostile exchange may take, refusals included.</summary>
    public static readonly TimeSpan ExchangeBound = TimeSpan.FromSeconds(10);

    public const string ChatPath = "/router/" + Slug + "/v1/chat/completions";

    public static async Task<RouterHost> StartAsync(FakeVendor vendor, Action<RouterSettings>? settings = null, Action<WebApplicationBuilder>? configureHost = null)
    {
        var database = Path.Combine(Path.GetTempPath(), $"modelrouter-hostile-{Guid.NewGuid():N}.db");
        var routerSettings = new RouterSettings()
            .Setting("adminApiKey", RouterHost.AdminKey)
            .Setting("maxRequestBodyBytes", MaxBodyBytes)
            .Setting("store", new JsonObject { ["kind"] = "sqlite", ["connectionString"] = $"Data Source={database}" })
            .Llm(vendor)
            .Router(Slug, RouterSettings.Vendor(vendor.Name))
            .App("hostile", AppKey, "*");
        settings?.Invoke(routerSettings);
        var host = await RouterHost.StartAsync(
            routerSettings,
            configure: router => router.AddSqliteStore(),
            configureHost: builder =>
            {
                builder.Logging.AddFakeLogging();
                builder.WebHost.ConfigureKestrel(kestrel =>
                {
                    kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(2));
                    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1);
                });
                configureHost?.Invoke(builder);
            },
            configureApp: app => app.MapModelRouterAdmin("/admin"));
        var literal = $$"""{"slug":"{{LiteralSlug}}","pools":[{"name":"exact","modelPattern":"gpt-4o","vendors":[{"llm":"{{vendor.Name}}"}]}]}""";
        using var created = await host.SendAdminAsync(HttpMethod.Post, "/routers", literal);
        Assert.That((int)created.StatusCode, Is.EqualTo(201), await created.Content.ReadAsStringAsync());
        await WaitForRouterAsync(host, LiteralSlug);
        return host;
    }

    /// <summary>A vendor that answers every request with one small completion, whatever the request holds.</summary>
    public static Task<FakeVendor> StartVendorAsync(string name = "steady")
        => FakeVendor.StartAsync(name, (context, _) => FakeVendor.JsonAsync(context, 200, FakeVendor.Completion("m", "steady")));

    /// <summary>Posts raw bytes to a path with the app key (chat) or the admin key (admin), returning status, content type and body.</summary>
    public static async Task<(int Status, string? ContentType, string Body)> PostAsync(RouterHost host, string path, byte[] body, string? contentType = "application/json")
    {
        using var timeout = new CancellationTokenSource(ExchangeBound);
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/')) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", path.StartsWith("/admin", StringComparison.Ordinal) ? RouterHost.AdminKey : AppKey);
        using var response = await host.Client.SendAsync(request, timeout.Token);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync(timeout.Token));
    }

    public static Task<(int Status, string? ContentType, string Body)> PostAsync(RouterHost host, string path, string body, string? contentType = "application/json")
        => PostAsync(host, path, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>
    /// A normal request is still served: the process keeps serving after a hostile one; and the router logged no error
    /// (an unexpected exception is logged at Error, with the exception, before its 500).
    /// </summary>
    public static async Task AssertStillServesAsync(RouterHost host)
    {
        var (status, _, body) = await PostAsync(host, ChatPath, """{"model":"gpt-4o","messages":[{"role":"user","content":"still there?"}]}""");
        Assert.That(status, Is.EqualTo(200), "a normal request after the hostile one: " + body);
        var logs = host.Services.GetFakeLogCollector();
        var errors = logs.GetSnapshot().Where(r => r.Level >= LogLevel.Error && r.Exception is not null).Select(r => $"{r.Category}: {r.Message} {r.Exception}").ToList();
        logs.Clear();
        Assert.That(errors, Is.Empty, "exceptions logged");
    }

    private static async Task WaitForRouterAsync(RouterHost host, string slug)
    {
        var path = $"/router/{slug}/v1/chat/completions";
        for (var i = 0; i < 200; i++)
        {
            var (status, _, _) = await PostAsync(host, path, """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""");
            if (status == 200)
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail($"router '{slug}' was not served within 5 s of its creation");
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
