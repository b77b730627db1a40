using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>The admin API over an in-memory store, started afresh for every test with <see cref="InitialConfig"/>.</summary>
public abstract class AdminApiFixture
{
    /// <summary>Reads response bodies the way a web client would (camelCase, case-insensitive).</summary>
    protected static readonly System.Text.Json.JsonSerializerOptions Reflection = new(System.Text.Json.JsonSerializerDefaults.Web);

    protected InMemoryRouterStore Store { get; private set; } = null!;

    private protected RouterHost Host { get; private set; } = null!;

    /// <summary>Gets what the store holds when a test starts: by default one LLM, one router over it and one app.</summary>
    protected virtual ModelRouterConfig InitialConfig => new()
    {
        Llms = [Llm("a", apiKey: "sk-secret-a")],
        Routers = [Router("r1", "a")],
        Apps = [App("team", "app-key-123", "*")],
    };

    [SetUp]
    public async Task StartHost()
    {
        Store = new InMemoryRouterStore(InitialConfig);
        Host = await RouterHost.StartAsync(new Dictionary<string, string?>(), b => b.UseStore(Store));
    }

    [TearDown]
    public async Task StopHost() => await Host.DisposeAsync();
}
