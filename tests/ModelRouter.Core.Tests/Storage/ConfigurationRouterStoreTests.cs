using Microsoft.Extensions.Configuration;
using ModelRouter.Storage;

namespace ModelRouter.Tests.Storage;

public class ConfigurationRouterStoreTests
{
    private static IConfigurationRoot Build(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    // The README's section shape, written with mixed-case keys as environment variables and JSON files do.
    private static Dictionary<string, string?> ReadmeShape() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["ModelRouter:LLMS:0:Id"] = "openai-main",
        ["ModelRouter:llms:0:provider"] = "openai",
        ["ModelRouter:llms:0:BASEURL"] = "http://127.0.0.1:5101/v1",
        ["ModelRouter:llms:0:apiKey"] = "sk-from-env",
        ["ModelRouter:llms:0:timeoutSeconds"] = "12.5",
        ["ModelRouter:llms:0:streamIdleTimeoutSeconds"] = "30",
        ["ModelRouter:llms:0:headers:0:name"] = "OpenAI-Organization",
        ["ModelRouter:llms:0:headers:0:value"] = "org-1",
        ["ModelRouter:Routers:0:Slug"] = "prod",
        ["ModelRouter:routers:0:name"] = "Production",
        ["ModelRouter:routers:0:active"] = "true",
        ["ModelRouter:routers:0:namespaces:0"] = "eu",
        ["ModelRouter:routers:0:pools:0:name"] = "claude",
        ["ModelRouter:routers:0:pools:0:modelPattern"] = "claude-*",
        ["ModelRouter:routers:0:pools:0:algorithm"] = "weighted",
        ["ModelRouter:routers:0:pools:0:priority"] = "10",
        ["ModelRouter:routers:0:pools:0:maxAttempts"] = "2",
        ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "openai-main",
        ["ModelRouter:routers:0:pools:0:vendors:0:Weight"] = "3",
        ["ModelRouter:routers:0:pools:0:vendors:0:active"] = "False",
        ["ModelRouter:routers:0:pools:0:vendors:0:modelMappings:0:source"] = "gpt-4",
        ["ModelRouter:routers:0:pools:0:vendors:0:modelMappings:0:target"] = "claude-3-opus-20240229",
        ["ModelRouter:apps:0:name"] = "team-a",
        ["ModelRouter:apps:0:apiKey"] = "app-key-from-env",
        ["ModelRouter:apps:0:routers:0"] = "prod",
    };

    [Test]
    public async Task GetConfigAsync_BedrockRegionAndAccessKeyId_AreRead()
    {
        var values = ReadmeShape();
        values["ModelRouter:llms:0:region"] = "us-west-2";
        values["ModelRouter:llms:0:accessKeyId"] = "AKIAEXAMPLE0001";

        var config = await new ConfigurationRouterStore(Build(values).GetSection("ModelRouter")).GetConfigAsync();

        Assert.That((config.Llms[0].Region, config.Llms[0].AccessKeyId), Is.EqualTo(("us-west-2", "AKIAEXAMPLE0001")));
    }

    [Test]
    public async Task GetConfigAsync_ReadmeShapeWithMixedCaseKeys_ReadsEveryField()
    {
        var store = new ConfigurationRouterStore(Build(ReadmeShape()).GetSection("modelrouter"));

        var config = await store.GetConfigAsync();

        var llm = config.Llms.Single();
        var router = config.Routers.Single();
        var pool = router.Pools.Single();
        var vendor = pool.Vendors.Single();
        var app = config.Apps.Single();
        Assert.Multiple(() =>
        {
            Assert.That((llm.Id, llm.Provider, llm.BaseUrl, llm.ApiKey), Is.EqualTo(("openai-main", "openai", "http://127.0.0.1:5101/v1", "sk-from-env")));
            Assert.That((llm.TimeoutSeconds, llm.StreamIdleTimeoutSeconds), Is.EqualTo((12.5, 30.0)));
            Assert.That((llm.Headers.Single().Name, llm.Headers.Single().Value), Is.EqualTo(("OpenAI-Organization", "org-1")));
            Assert.That((router.Slug, router.Name, router.Active), Is.EqualTo(("prod", "Production", true)));
            Assert.That(router.Namespaces, Is.EqualTo(new[] { "eu" }));
            Assert.That((pool.Name, pool.ModelPattern, pool.Algorithm, pool.Priority, pool.MaxAttempts), Is.EqualTo(("claude", "claude-*", "weighted", 10, (int?)2)));
            Assert.That((vendor.Llm, vendor.Weight, vendor.Active), Is.EqualTo(("openai-main", 3, false)));
            Assert.That((vendor.ModelMappings.Single().Source, vendor.ModelMappings.Single().Target), Is.EqualTo(("gpt-4", "claude-3-opus-20240229")));
            Assert.That((app.Name, app.ApiKey, app.ApiKeyHash), Is.EqualTo(("team-a", "", ModelRouter.Configuration.AppKeys.Hash("app-key-from-env"))), "a plaintext key is hashed as it is read");
            Assert.That(app.Routers, Is.EqualTo(new[] { "prod" }));
            Assert.That(config.Revision, Is.Not.Empty);
        });
    }

    [Test]
    public async Task GetConfigAsync_MissingOptionalFields_UsesDefaults()
    {
        var store = new ConfigurationRouterStore(Build(new()
        {
            ["llms:0:id"] = "a",
            ["llms:0:baseUrl"] = "http://127.0.0.1:5101/v1",
            ["routers:0:slug"] = "prod",
            ["routers:0:pools:0:name"] = "all",
            ["routers:0:pools:0:vendors:0:llm"] = "a",
        }));

        var config = await store.GetConfigAsync();

        var pool = config.Routers[0].Pools[0];
        Assert.Multiple(() =>
        {
            Assert.That(config.Llms[0].Provider, Is.EqualTo("openai"));
            Assert.That(config.Llms[0].TimeoutSeconds, Is.EqualTo(100));
            Assert.That(config.Llms[0].ApiKey, Is.Null);
            Assert.That(config.Routers[0].Active, Is.True);
            Assert.That((pool.ModelPattern, pool.Algorithm, pool.Priority, pool.MaxAttempts), Is.EqualTo(("*", "round_robin", 0, (int?)null)));
            Assert.That((pool.Vendors[0].Weight, pool.Vendors[0].Active), Is.EqualTo((1, true)));
        });
    }

    [Test]
    public void GetConfigAsync_NonNumericAndNonBooleanValues_ReportsEveryOneWithItsPath()
    {
        var values = ReadmeShape();
        values["ModelRouter:routers:0:pools:0:vendors:0:weight"] = "heavy";
        values["ModelRouter:llms:0:timeoutSeconds"] = "soon";
        values["ModelRouter:routers:0:pools:0:priority"] = "1.5";
        values["ModelRouter:routers:0:active"] = "yes";
        var store = new ConfigurationRouterStore(Build(values).GetSection("ModelRouter"));

        var ex = Assert.ThrowsAsync<ModelRouterConfigurationException>(async () => await store.GetConfigAsync())!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Errors, Has.Count.EqualTo(4));
            Assert.That(ex.Errors, Has.One.Contains("routers[0].pools[0].vendors[0]: 'weight' must be a whole number, not 'heavy'"));
            Assert.That(ex.Errors, Has.One.Contains("llms[0]: 'timeoutSeconds' must be a number, not 'soon'"));
            Assert.That(ex.Errors, Has.One.Contains("routers[0].pools[0]: 'priority' must be a whole number, not '1.5'"));
            Assert.That(ex.Errors, Has.One.Contains("routers[0]: 'active' must be true or false, not 'yes'"));
        });
    }

    [Test]
    public async Task GetConfigAsync_SameContent_HasTheSameRevisionAndChangedContentANewOne()
    {
        var first = await new ConfigurationRouterStore(Build(ReadmeShape()).GetSection("ModelRouter")).GetConfigAsync();
        var same = await new ConfigurationRouterStore(Build(ReadmeShape()).GetSection("ModelRouter")).GetConfigAsync();
        var values = ReadmeShape();
        values["ModelRouter:routers:0:pools:0:vendors:0:weight"] = "4";
        var changed = await new ConfigurationRouterStore(Build(values).GetSection("ModelRouter")).GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(same.Revision, Is.EqualTo(first.Revision));
            Assert.That(changed.Revision, Is.Not.EqualTo(first.Revision));
        });
    }

    [Test]
    public async Task GetChangeToken_ConfigurationReloads_Fires()
    {
        var root = Build(ReadmeShape());
        var store = new ConfigurationRouterStore(root.GetSection("ModelRouter"));
        var token = store.GetChangeToken();
        await store.GetConfigAsync();

        root.Reload();

        Assert.That(token.HasChanged, Is.True);
    }

    [Test]
    public async Task GetConfigAsync_MoreRouters_ListsNoMoreChildKeys()
    {
        // Listing children scans every key of every provider, so a read that lists them per router, pool or vendor
        // grows with the square of the configuration; the nested lists are read by index instead.
        static async Task<(int Calls, int Routers)> ReadAsync(int routers)
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["ModelRouter:llms:0:id"] = "a",
                ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:5101/v1",
                ["ModelRouter:llms:0:headers:X-Team"] = "blue",
                ["ModelRouter:apps:0:name"] = "team-a",
                ["ModelRouter:apps:0:apiKey"] = "app-key-team-a-0001",
                ["ModelRouter:apps:0:routers:0"] = "r0",
            };
            for (var r = 0; r < routers; r++)
            {
                values[$"ModelRouter:routers:{r}:slug"] = $"r{r}";
                values[$"ModelRouter:routers:{r}:namespaces:0"] = "eu";
                for (var p = 0; p < 3; p++)
                {
                    values[$"ModelRouter:routers:{r}:pools:{p}:name"] = $"p{p}";
                    values[$"ModelRouter:routers:{r}:pools:{p}:failoverStatusCodes:0"] = "429";
                    for (var v = 0; v < 3; v++)
                    {
                        values[$"ModelRouter:routers:{r}:pools:{p}:vendors:{v}:llm"] = "a";
                        values[$"ModelRouter:routers:{r}:pools:{p}:vendors:{v}:modelMappings:0:source"] = "m";
                        values[$"ModelRouter:routers:{r}:pools:{p}:vendors:{v}:modelMappings:0:target"] = $"m{v}";
                    }
                }
            }

            var source = new CountingSource(values);
            var config = await new ConfigurationRouterStore(new ConfigurationBuilder().Add(source).Build().GetSection("ModelRouter")).GetConfigAsync();
            Assert.That(config.Routers.Sum(r => r.Pools.Sum(p => p.Vendors.Count(v => v.ModelMappings.Count == 1 && p.FailoverStatusCodes!.Count == 1))), Is.EqualTo(routers * 9));
            Assert.That(config.Llms.Single().Headers.Single().Name, Is.EqualTo("X-Team"));
            return (source.Provider!.ChildKeyCalls, config.Routers.Count);
        }

        var few = await ReadAsync(5);
        var many = await ReadAsync(50);

        Assert.Multiple(() =>
        {
            Assert.That((few.Routers, many.Routers), Is.EqualTo((5, 50)));
            Assert.That(many.Calls, Is.EqualTo(few.Calls));
        });
    }

    /// <summary>An in-memory configuration that counts how often its child keys are listed.</summary>
    private sealed class CountingSource(Dictionary<string, string?> values) : IConfigurationSource
    {
        public CountingProvider? Provider { get; private set; }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider = new CountingProvider(values);
    }

    private sealed class CountingProvider : ConfigurationProvider
    {
        public CountingProvider(Dictionary<string, string?> values)
        {
            foreach (var (key, value) in values)
            {
                Data[key] = value;
            }
        }

        public int ChildKeyCalls { get; private set; }

        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
        {
            ChildKeyCalls++;
            return base.GetChildKeys(earlierKeys, parentPath);
        }
    }
}
