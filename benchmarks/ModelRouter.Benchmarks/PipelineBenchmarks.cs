using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Routing;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The whole non-streaming <see cref="IModelRouter.RouteAsync"/> (app key, parse, match, select, map, breaker,
/// timeouts, upstream call, response read and validation) against <see cref="FakeVendorHandler"/>, which reads the
/// request and answers the load test's fixed completion. Baseline: a bare <see cref="HttpClient.SendAsync(HttpRequestMessage, HttpCompletionOption, CancellationToken)"/>
/// of the same body to the same handler, reading the answer into an array, as the load test's bare forwarder does.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks : RouterPipelineBenchmarkBase
{
    /// <inheritdoc/>
    protected override bool Streaming => false;

    [Benchmark(Baseline = true, Description = "bare HttpClient.SendAsync + read")]
    public async Task<int> Bare()
    {
        using var request = CreateBareRequest();
        using var response = await SendBareAsync(request).ConfigureAwait(false);
        var content = await response.Content.ReadAsByteArrayAsync(Caller.Token).ConfigureAwait(false);
        return content.Length;
    }

    [Benchmark(Description = "IModelRouter.RouteAsync (plain)")]
    public async Task<int> Route()
    {
        var response = await RouteAsync().ConfigureAwait(false);
        await using (response.ConfigureAwait(false))
        {
            return response.Content.Length;
        }
    }

    /// <summary>The load test's chat body (non-streaming unless <paramref name="stream"/>).</summary>
    internal static byte[] LoadTestBody(bool stream = false) => Encoding.UTF8.GetBytes(
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
        + "{\"role\":\"user\",\"content\":\"Say hello in one short sentence, please.\"}],\"temperature\":0.2,\"max_tokens\":64"
        + (stream ? ",\"stream\":true}" : "}"));

    /// <summary>The services of the load test's <c>RouterHost</c>: one router of three pools, app keys required; the caller adds the vendor's handler.</summary>
    internal static ServiceCollection RouterServices()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        AddBenchRouter(services);
        return services;
    }

    /// <summary>Adds ModelRouter configured as the load test's <c>RouterHost</c> (see <c>load/RouterHost/appsettings.json</c>).</summary>
    internal static void AddBenchRouter(IServiceCollection services)
    {
        services.AddModelRouter(o =>
        {
            o.RequireAppKey = true;
            // A key, so every answer goes through the masking of the LLM's secrets as it would in production.
            o.Llms.Add(new LlmConfig { Id = "fake", BaseUrl = "http://127.0.0.1:18101/v1", ApiKey = "sk-bench-vendor-0123456789abcdef" });
            o.Routers.Add(new RouterConfig
            {
                Slug = "bench",
                Name = "Bench",
                Pools =
                [
                    new PoolConfig { Name = "claude", ModelPattern = "claude-*", Priority = 30, Vendors = [new VendorConfig { Llm = "fake" }] },
                    new PoolConfig { Name = "gemini", ModelPattern = "gemini-[0-9]*", Priority = 20, Vendors = [new VendorConfig { Llm = "fake" }] },
                    new PoolConfig
                    {
                        Name = "gpt",
                        ModelPattern = "gpt-4*",
                        Priority = 10,
                        Vendors = [new VendorConfig { Llm = "fake", ModelMappings = [new ModelMappingConfig { Source = "gpt-4o", Target = "gpt-4o-2024-08-06" }] }],
                    },
                ],
            });
            o.Apps.Add(new AppConfig { Name = "bench-app", ApiKey = "bench-app-key", Routers = ["bench"] });
        });
    }
}
