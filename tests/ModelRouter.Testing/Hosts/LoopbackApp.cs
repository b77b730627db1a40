using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelRouter.Testing;

/// <summary>
/// A minimal-API app on real Kestrel at 127.0.0.1 and a port of the system's choosing: what every fake vendor and every
/// loopback router host of the tests runs on.
/// </summary>
internal sealed class LoopbackApp : IAsyncDisposable
{
    private LoopbackApp(WebApplication app)
    {
        App = app;
        Port = ListeningPort(app);
        Address = new Uri($"http://127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");
    }

    /// <summary>Gets the running app.</summary>
    public WebApplication App { get; }

    /// <summary>Gets the port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets the base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Starts an app whose endpoints <paramref name="map"/> adds.</summary>
    public static Task<LoopbackApp> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map)
        => StartAsync(builder => services(builder.Services), map, new WebApplicationOptions { EnvironmentName = "Development" });

    /// <summary>Starts an app: <paramref name="configure"/> sets up the builder (logging is cleared first), <paramref name="map"/> the endpoints.</summary>
    public static async Task<LoopbackApp> StartAsync(Action<WebApplicationBuilder>? configure, Action<WebApplication> map, WebApplicationOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder(options ?? new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        configure?.Invoke(builder);
        SuiteWatch.Attach(builder);
        var app = builder.Build();
        SuiteWatch.Attach(app);
        map(app);
        await app.StartAsync();
        return new LoopbackApp(app);
    }

    /// <summary>The port a started app listens on, asserting that it is a loopback address.</summary>
    public static int ListeningPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var uri = new Uri(address);
        Assert.That(uri.Host, Is.EqualTo("127.0.0.1"), "loopback only");
        return uri.Port;
    }

    /// <summary>A loopback port nothing listens on: bound by the system, read, then released.</summary>
    public static int RefusedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
