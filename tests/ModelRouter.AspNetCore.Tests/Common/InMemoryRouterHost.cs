using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using RichardSzalay.MockHttp;

namespace ModelRouter.AspNetCore.Tests.Common;

/// <summary>A router host on <see cref="TestServer"/> whose vendors are a <see cref="MockHttpMessageHandler"/>.</summary>
internal sealed class InMemoryRouterHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InMemoryRouterHost(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InMemoryRouterHost> StartAsync(
        Action<ModelRouterOptions> configure,
        MockHttpMessageHandler vendors,
        Action<WebApplicationBuilder>? configureHost = null,
        Action<IEndpointConventionBuilder>? configureEndpoint = null,
        Action<WebApplication>? configurePipeline = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddModelRouter(configure)
            .ConfigureHttpClient(b => b.ConfigurePrimaryHttpMessageHandler(() => vendors));
        configureHost?.Invoke(builder);
        var app = builder.Build();
        configurePipeline?.Invoke(app);
        var endpoint = app.MapModelRouter();
        configureEndpoint?.Invoke(endpoint);
        await app.StartAsync();
        return new InMemoryRouterHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
