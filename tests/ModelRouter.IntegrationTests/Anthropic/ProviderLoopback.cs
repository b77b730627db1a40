using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;

namespace ModelRouter.IntegrationTests.AnthropicProvider;

/// <summary>A Kestrel app on 127.0.0.1 with an OS-chosen port; the provider tests' own small fixture.</summary>
internal sealed class ProviderLoopback : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProviderLoopback(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Gets the base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts an app whose endpoints <paramref name="map"/> adds.</summary>
    public static async Task<ProviderLoopback> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        services(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ProviderLoopback(app, new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    /// <summary>Starts a router serving one pool of the given LLMs (in order) under slug <c>prod</c>, no app key.</summary>
    public static Task<ProviderLoopback> StartRouterAsync(params (LlmConfig Llm, string? Target)[] vendors)
        => StartAsync(
            services => services.AddModelRouter(o => o.RequireAppKey = false).LoadFromMemory(new ModelRouterConfig
            {
                Llms = [.. vendors.Select(v => v.Llm)],
                Routers =
                [
                    new RouterConfig
                    {
                        Slug = "prod",
                        Pools =
                        [
                            new PoolConfig
                            {
                                Name = "all",
                                ModelPattern = "*",
                                Vendors = [.. vendors.Select(v => new VendorConfig
                                {
                                    Llm = v.Llm.Id,
                                    ModelMappings = v.Target is null ? [] : [new ModelMappingConfig { Source = "gpt-4", Target = v.Target }],
                                })],
                            },
                        ],
                    },
                ],
            }),
            app => app.MapModelRouter());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
