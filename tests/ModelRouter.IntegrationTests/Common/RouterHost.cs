using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
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
    /// <summary>A key outside the router's section that tells settings revisions apart, even when the router's part is the same.</summary>
    private const string RevisionKey = "TestSettingsRevision";

    private readonly WebApplication _app;
    private readonly string _directory;
    private int _rewrites;

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

    /// <param name="settings">The router's settings.</param>
    /// <param name="configure">Adds to the router's setup (its HTTP client, say), or <see langword="null"/>.</param>
    /// <param name="configureHost">Adjusts the host before it is built (Kestrel limits, logging).</param>
    /// <param name="configureApp">Maps more endpoints next to the router's (the admin API).</param>
    public static async Task<RouterHost> StartAsync(
        RouterSettings settings,
        Action<IModelRouterBuilder>? configure = null,
        Action<WebApplicationBuilder>? configureHost = null,
        Action<WebApplication>? configureApp = null)
    {
        var directory = Directory.CreateTempSubdirectory("modelrouter-it-").FullName;
        var path = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(path, settings.ToJson());

        // The builder's defaults already read appsettings.json from the content root, reloading on change. Adding the
        // same file again made two providers that reload one after the other, and the router could read the halfway
        // merge of the two (a rewrite then looked invalid, or not like the file at all).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = directory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var changes = new ConfigChanges();
        builder.Services.AddSingleton<IRouterConfigChangeListener>(changes);
        var modelRouter = builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"));
        configure?.Invoke(modelRouter);
        configureHost?.Invoke(builder);
        var app = builder.Build();
        app.MapModelRouter();
        configureApp?.Invoke(app);
        await app.StartAsync();
        return new RouterHost(app, directory, path, changes);
    }

    /// <summary>
    /// Replaces <c>appsettings.json</c> in one step (write aside, then rename over), so no half-written file is ever read,
    /// and returns once the host's configuration has read it: what the router then does is what the tests assert.
    /// </summary>
    /// <exception cref="TimeoutException">The configuration did not read the file within 10 s (the platform's file watcher missed it).</exception>
    public Task RewriteSettingsAsync(RouterSettings settings) => RewriteSettingsAsync(JsonNode.Parse(settings.ToJson())!.AsObject());

    /// <summary>Replaces <c>appsettings.json</c> with any JSON, as <see cref="RewriteSettingsAsync(RouterSettings)"/> does.</summary>
    /// <exception cref="TimeoutException">The configuration did not read the file within 10 s.</exception>
    public async Task RewriteSettingsAsync(JsonObject json)
    {
        var revision = Interlocked.Increment(ref _rewrites).ToString(CultureInfo.InvariantCulture);
        json = json.DeepClone().AsObject();
        json[RevisionKey] = revision;
        var aside = Path.Combine(_directory, "appsettings.next");
        await File.WriteAllTextAsync(aside, json.ToJsonString());
        File.Move(aside, SettingsPath, overwrite: true);
        var clock = Stopwatch.StartNew();
        while (_app.Configuration[RevisionKey] != revision)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"The host's configuration did not read settings revision {revision} within 10 s.");
            }

            await Task.Delay(20);
        }
    }

    public IServiceProvider Services => _app.Services;

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
