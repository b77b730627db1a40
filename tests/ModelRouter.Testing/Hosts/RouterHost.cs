using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.AspNetCore.Admin;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.Testing;

/// <summary>
/// A router host: on real Kestrel at 127.0.0.1 (port of the system's choosing) configured from a temporary
/// <c>appsettings.json</c> that reloads on change, from in-memory settings with the admin API, or from a configuration in
/// memory; or on <see cref="TestServer"/> with its vendors behind an <see cref="HttpMessageHandler"/>.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    /// <summary>The admin key of the hosts started from in-memory settings, unless the settings say otherwise.</summary>
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A key outside the router's section that tells settings revisions apart, even when the router's part is the same.</summary>
    private const string RevisionKey = "TestSettingsRevision";

    private readonly WebApplication _app;
    private readonly string? _directory;
    private int _rewrites;

    private RouterHost(WebApplication app, HttpClient client, ConfigChanges changes, string? directory = null)
    {
        _app = app;
        Client = client;
        Changes = changes;
        _directory = directory;
        SettingsPath = directory is null ? "" : Path.Combine(directory, "appsettings.json");
    }

    /// <summary>Gets the <c>appsettings.json</c> of a host started from <see cref="RouterSettings"/>, else an empty string.</summary>
    public string SettingsPath { get; }

    /// <summary>Gets the configuration revisions the router applied or rejected.</summary>
    public ConfigChanges Changes { get; }

    /// <summary>Gets the base address, <c>http://127.0.0.1:PORT/</c> on Kestrel.</summary>
    public Uri Address => Client.BaseAddress!;

    public int Port => Address.Port;

    /// <summary>Gets a client for the router (on Kestrel a raw one: cookies and redirects handled by hand).</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="settings">The router's settings.</param>
    /// <param name="configure">Adds to the router's setup (its HTTP client, say), or <see langword="null"/>.</param>
    /// <param name="configureHost">Adjusts the host before it is built (Kestrel limits, logging).</param>
    /// <param name="configureApp">Maps more endpoints next to the router's (the admin API).</param>
    /// <param name="configureEndpoint">Sets what <c>MapModelRouter</c> maps (the unified endpoint).</param>
    public static async Task<RouterHost> StartAsync(
        RouterSettings settings,
        Action<IModelRouterBuilder>? configure = null,
        Action<WebApplicationBuilder>? configureHost = null,
        Action<WebApplication>? configureApp = null,
        Action<ModelRouter.AspNetCore.ModelRouterEndpointOptions>? configureEndpoint = null)
    {
        var directory = Directory.CreateTempSubdirectory("modelrouter-it-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), settings.ToJson());

        // The builder's defaults already read appsettings.json from the content root, reloading on change. Adding the
        // same file again made two providers that reload one after the other, and the router could read the halfway
        // merge of the two (a rewrite then looked invalid, or not like the file at all).
        return await StartOnKestrelAsync(
            new WebApplicationOptions { ContentRootPath = directory },
            builder =>
            {
                var modelRouter = builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"));
                configure?.Invoke(modelRouter);
                configureHost?.Invoke(builder);
            },
            app =>
            {
                app.MapModelRouter(o => configureEndpoint?.Invoke(o));
                configureApp?.Invoke(app);
            },
            directory);
    }

    /// <summary>
    /// Starts a gateway with <c>ModelRouter:*</c> settings in memory, the SQLite and PostgreSQL stores registered, the chat
    /// endpoint and the admin API at <c>/admin</c>; the admin key is <see cref="AdminKey"/> unless the settings say
    /// otherwise; <paramref name="healthz"/> maps the health checks at <c>/healthz</c>, <paramref name="adminUi"/> the admin UI at <c>/admin/ui</c>.
    /// </summary>
    public static Task<RouterHost> StartAsync(
        IDictionary<string, string?> settings,
        Action<IModelRouterBuilder>? configure = null,
        Action<ModelRouterAdminOptions>? admin = null,
        bool healthz = false,
        bool adminUi = false)
    {
        var all = new Dictionary<string, string?> { ["ModelRouter:adminApiKey"] = AdminKey };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return StartOnKestrelAsync(
            new WebApplicationOptions(),
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                var router = builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter")).AddSqliteStore().AddPostgreSqlStore();
                configure?.Invoke(router);
            },
            app =>
            {
                app.MapModelRouter();
                app.MapModelRouterAdmin("/admin", admin);
                if (healthz)
                {
                    app.MapHealthChecks("/healthz");
                }

                if (adminUi)
                {
                    app.MapModelRouterAdminUi("/admin/ui");
                }
            });
    }

    /// <summary>Starts a router serving one pool of the given LLMs (in order) under slug <c>prod</c>, no app key.</summary>
    public static Task<RouterHost> StartAsync(params (LlmConfig Llm, string? Target)[] vendors)
        => StartOnKestrelAsync(
            new WebApplicationOptions { EnvironmentName = "Development" },
            builder => builder.Services.AddModelRouter(o => o.RequireAppKey = false).LoadFromMemory(new ModelRouterConfig
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

    /// <summary>A router host on <see cref="TestServer"/> whose vendors are <paramref name="vendors"/>.</summary>
    public static async Task<RouterHost> StartInMemoryAsync(
        Action<ModelRouterOptions> configure,
        HttpMessageHandler vendors,
        Action<WebApplicationBuilder>? configureHost = null,
        Action<IEndpointConventionBuilder>? configureEndpoint = null,
        Action<WebApplication>? configurePipeline = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var changes = new ConfigChanges();
        builder.Services.AddSingleton<IRouterConfigChangeListener>(changes);
        builder.Services.AddModelRouter(configure)
            .ConfigureHttpClient(b => b.ConfigurePrimaryHttpMessageHandler(() => vendors));
        configureHost?.Invoke(builder);
        var app = builder.Build();
        configurePipeline?.Invoke(app);
        var endpoint = app.MapModelRouter();
        configureEndpoint?.Invoke(endpoint);
        await app.StartAsync();
        return new RouterHost(app, app.GetTestClient(), changes);
    }

    private static async Task<RouterHost> StartOnKestrelAsync(WebApplicationOptions options, Action<WebApplicationBuilder> setup, Action<WebApplication> map, string? directory = null)
    {
        var changes = new ConfigChanges();
        var loopback = await LoopbackApp.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<IRouterConfigChangeListener>(changes);
                setup(builder);
            },
            map,
            options);
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = loopback.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        return new RouterHost(loopback.App, client, changes, directory);
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
        if (_directory is null)
        {
            throw new InvalidOperationException("Only a host started from RouterSettings has a settings file.");
        }

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

    public Uri Endpoint(string slug) => new(Address, $"router/{slug}/v1");

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

    /// <summary>An official OpenAI SDK embedding client for a router, without SDK retries.</summary>
    public OpenAI.Embeddings.EmbeddingClient EmbeddingClient(string slug, string appKey, string model, ResponseHeaders? headers = null)
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

        return new OpenAI.Embeddings.EmbeddingClient(model, new ApiKeyCredential(appKey), options);
    }

    /// <summary>An official OpenAI SDK model client for a router, without SDK retries.</summary>
    public OpenAI.Models.OpenAIModelClient ModelClient(string slug, string appKey)
        => new(new ApiKeyCredential(appKey), new OpenAIClientOptions
        {
            Endpoint = Endpoint(slug),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(60),
        });

    /// <summary>An admin API request with the <see cref="AdminKey"/>, a JSON body and an <c>If-Match</c> when given.</summary>
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

    /// <summary>Sends one non-streaming chat request for <paramref name="model"/> to router <paramref name="slug"/>.</summary>
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
        if (_directory is null)
        {
            return;
        }

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
