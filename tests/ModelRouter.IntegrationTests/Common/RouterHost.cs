using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.Common;

/// <summary>
/// A router on real Kestrel at 127.0.0.1 (port of the system's choosing), configured from a temporary
/// <c>appsettings.json</c> that reloads on change.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private RouterHost(WebApplication app, string directory, string settingsPath, ConfigChanges changes)
    {
        Changes = changes;
        _app = app;
        _directory = directory;
        SettingsPath = settingsPath;
        Port = FakeVendor.ListeningPort(app);
        BaseAddress = new Uri($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string SettingsPath { get; }

    /// <summary>Gets the configuration revisions the router applied or rejected.</summary>
    public ConfigChanges Changes { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>Gets a raw client for the router, cookies handled by hand.</summary>
    public HttpClient Client { get; }

    public static async Task<RouterHost> StartAsync(RouterSettings settings)
    {
        var directory = Directory.CreateTempSubdirectory("modelrouter-it-").FullName;
        var path = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(path, settings.ToJson());

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = directory });
        builder.Logging.ClearProviders();
        builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: true);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var changes = new ConfigChanges();
        builder.Services.AddSingleton<IRouterConfigChangeListener>(changes);
        builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"));
        var app = builder.Build();
        app.MapModelRouter();
        await app.StartAsync();
        return new RouterHost(app, directory, path, changes);
    }

    /// <summary>Replaces <c>appsettings.json</c> in one step (write aside, then rename over), so no half-written file is ever read.</summary>
    public async Task RewriteSettingsAsync(RouterSettings settings)
    {
        var aside = Path.Combine(_directory, "appsettings.next");
        await File.WriteAllTextAsync(aside, settings.ToJson());
        File.Move(aside, SettingsPath, overwrite: true);
    }

    public Uri Endpoint(string slug) => new(BaseAddress, $"router/{slug}/v1");

    /// <summary>An official OpenAI SDK client for a router, without SDK retries so that every attempt is the router's.</summary>
    public ChatClient ChatClient(string slug, string appKey, string model, ResponseHeaders? headers = null)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = Endpoint(slug),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(60),
        };
        if (headers is not null)
        {
            options.AddPolicy(headers, PipelinePosition.PerCall);
        }

        return new ChatClient(model, new ApiKeyCredential(appKey), options);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}

/// <summary>Captures the headers of the last response the SDK received, streamed or not.</summary>
internal sealed class ResponseHeaders : PipelinePolicy
{
    private PipelineResponseHeaders? _last;

    public string? this[string name] => _last is { } headers && headers.TryGetValue(name, out var value) ? value : null;

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        _last = message.Response?.Headers;
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex);
        _last = message.Response?.Headers;
    }
}

/// <summary>Counts the configuration revisions a router applied and rejected.</summary>
internal sealed class ConfigChanges : IRouterConfigChangeListener
{
    private int _applied;
    private int _rejected;

    public int Applied => Volatile.Read(ref _applied);

    public int Rejected => Volatile.Read(ref _rejected);

    public void ConfigurationApplied(ModelRouterConfig config) => Interlocked.Increment(ref _applied);

    public void ConfigurationRejected(IReadOnlyList<string> errors) => Interlocked.Increment(ref _rejected);
}
