using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.AspNetCore.Admin;

namespace ModelRouter.Storage.Tests;

/// <summary>A gateway on real Kestrel at 127.0.0.1 with a free port: the chat endpoint and the admin API.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Client = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway with <c>ModelRouter:*</c> settings; the admin key is set unless the settings say otherwise; <paramref name="healthz"/> maps the health checks at <c>/healthz</c>.</summary>
    public static async Task<GatewayHost> StartAsync(
        IDictionary<string, string?> settings,
        Action<IModelRouterBuilder>? configure = null,
        Action<ModelRouterAdminOptions>? admin = null,
        bool healthz = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var all = new Dictionary<string, string?> { ["ModelRouter:adminApiKey"] = AdminKey };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        var router = builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter")).AddSqliteStore().AddPostgreSqlStore();
        configure?.Invoke(router);
        var app = builder.Build();
        app.MapModelRouter();
        app.MapModelRouterAdmin("/admin", admin);
        if (healthz)
        {
            app.MapHealthChecks("/healthz");
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address));
    }

    public static HttpRequestMessage Admin(HttpMethod method, string path, string? json = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, "/admin" + path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAdminAsync(HttpMethod method, string path, string? json = null, string? ifMatch = null)
        => Client.SendAsync(Admin(method, path, json, ifMatch));

    public Task<HttpResponseMessage> ChatAsync(string slug, string model, string appKey = "app-key-123")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/router/{slug}/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", appKey);
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A fake OpenAI-compatible vendor on 127.0.0.1: <c>POST /{name}/v1/chat/completions</c> answers with its name and the model it was sent.</summary>
internal sealed class FakeVendors : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeVendors(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public string BaseUrl(string name) => new Uri(Address, $"/{name}/v1").ToString();

    public static async Task<FakeVendors> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/{name}/v1/chat/completions", async (HttpContext context) =>
        {
            var name = (string)context.Request.RouteValues["name"]!;
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var model = body?["model"]?.GetValue<string>() ?? "";
            var answer = new JsonObject
            {
                ["id"] = "chatcmpl-fake",
                ["object"] = "chat.completion",
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "vendor " + name },
                    ["finish_reason"] = "stop",
                }),
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString());
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeVendors(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
