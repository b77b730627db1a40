using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Storage;

namespace ModelRouter.Tests.Storage;

/// <summary>
/// A configuration file of many LLMs, routers and apps: the store reads it without listing the keys of the host's
/// providers once per item (each listing scans every key of a provider), and reads what the section holds.
/// </summary>
public sealed class ConfigurationRouterStoreJsonFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("modelrouter-json-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>LLMs with headers in both forms (every third one as an object of names to values), routers and apps.</summary>
    private static string Document(int llms)
    {
        var json = new StringBuilder("{\"ModelRouter\":{\"llms\":[");
        for (var i = 0; i < llms; i++)
        {
            var headers = i % 3 == 0
                ? $"{{\"X-Team\":\"t{i}\",\"X-Other\":\"o{i}\"}}"
                : $"[{{\"name\":\"X-Team\",\"value\":\"t{i}\"}}]";
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"id\":\"llm-{i}\",\"baseUrl\":\"http://127.0.0.1:5101/{i}/v1\",\"apiKey\":\"sk-{i}\",\"timeoutSeconds\":{i + 1},\"headers\":{headers}}}");
        }

        json.Append("],\"routers\":[");
        for (var r = 0; r < llms; r++)
        {
            json.Append(r == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"slug\":\"r{r}\",\"namespaces\":\"eu\",\"pools\":[{{\"name\":\"p\",\"modelPattern\":\"gpt-*\",\"failoverStatusCodes\":[429,503],")
                .Append(CultureInfo.InvariantCulture, $"\"vendors\":[{{\"llm\":\"llm-{r}\",\"weight\":2,\"modelMappings\":[{{\"source\":\"a\",\"target\":\"b\"}}]}},{{\"llm\":\"llm-{(r + 1) % llms}\",\"active\":false}}]}}]}}");
        }

        return json.Append("],\"apps\":[{\"name\":\"team\",\"apiKey\":\"app-key-0001\",\"routers\":[\"r0\",\"r1\"]}]}}").ToString();
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Creates the store as the host does: over a section of the configuration registered in DI.</summary>
    private static IRouterStore StoreOver(IConfigurationRoot root)
    {
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(root).BuildServiceProvider();
        return RouterStoreSelector.Create(services, root.GetSection("ModelRouter"));
    }

    [Test]
    public async Task GetConfigAsync_JsonFileOfManyLlms_ListsTheHostsProviderAFewTimesAtMost()
    {
        var source = new CountingJsonSource { Path = Write("big.json", Document(60)), Optional = false };
        source.ResolveFileProvider();
        var root = new ConfigurationBuilder().Add(source).Build();

        var config = await StoreOver(root).GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(config.Llms, Has.Count.EqualTo(60));
            Assert.That(config.Llms[3].Headers.Select(h => (h.Name, h.Value)), Is.EquivalentTo(new[] { ("X-Team", "t3"), ("X-Other", "o3") }));
            Assert.That(source.Provider!.Listings, Is.LessThanOrEqualTo(3), "each listing of the host's provider scans all its keys");
        });
    }

    [Test]
    public async Task GetConfigAsync_TwoJsonFiles_ReadsWhatTheSectionHolds()
    {
        var overrides = "{\"modelrouter\":{\"LLMS\":[{\"apiKey\":\"sk-override\",\"headers\":{\"X-Added\":\"v\"}}],\"routers\":[{},{\"active\":\"false\"}]}}";
        var root = new ConfigurationBuilder()
            .AddJsonFile(Write("base.json", Document(12)))
            .AddJsonFile(Write("override.json", overrides))
            .Build();

        var read = await StoreOver(root).GetConfigAsync();
        var expected = ConfigurationReader.ReadConfig(root.GetSection("ModelRouter"));

        Assert.Multiple(() =>
        {
            Assert.That(read.Revision, Is.EqualTo(expected.Revision), "the same LLMs, routers and apps");
            Assert.That(read.Llms[0].ApiKey, Is.EqualTo("sk-override"));
            Assert.That(read.Llms[0].Headers.Select(h => h.Name), Is.EquivalentTo(new[] { "X-Team", "X-Other", "X-Added" }));
            Assert.That(read.Routers[1].Active, Is.False);
            Assert.That(read.Routers[2].Pools[0].FailoverStatusCodes, Is.EqualTo(new[] { 429, 503 }));
        });
    }

    [Test]
    public async Task GetConfigAsync_ListValuesFromAnotherProvider_AreRead()
    {
        var root = new ConfigurationBuilder()
            .AddJsonFile(Write("base.json", Document(4)))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ModelRouter:llms:1:apiKey"] = "sk-from-environment",
                ["ModelRouter:llms:2:headers:X-Secret"] = "s",
            })
            .Build();

        var read = await StoreOver(root).GetConfigAsync();

        Assert.Multiple(() =>
        {
            Assert.That(read.Llms[1].ApiKey, Is.EqualTo("sk-from-environment"));
            Assert.That(read.Llms[2].Headers.Select(h => h.Name), Is.EquivalentTo(new[] { "X-Team", "X-Secret" }));
            Assert.That(read.Revision, Is.EqualTo(ConfigurationReader.ReadConfig(root.GetSection("ModelRouter")).Revision));
        });
    }

    [Test]
    public async Task GetConfigAsync_FileCutShort_ReadsWhatTheProviderLastLoaded()
    {
        var file = Write("config.json", Document(3));
        var root = new ConfigurationBuilder().AddJsonFile(file).Build();
        var store = StoreOver(root);
        File.WriteAllText(file, Document(3)[..40]);

        var read = await store.GetConfigAsync();

        Assert.That(read.Llms, Has.Count.EqualTo(3));
    }

    /// <summary>A JSON file source whose provider counts how often its keys are listed.</summary>
    private sealed class CountingJsonSource : JsonConfigurationSource
    {
        public CountingJsonProvider? Provider { get; private set; }

        public override IConfigurationProvider Build(IConfigurationBuilder builder)
        {
            EnsureDefaults(builder);
            return Provider = new CountingJsonProvider(this);
        }
    }

    private sealed class CountingJsonProvider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
    {
        public int Listings { get; private set; }

        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
        {
            Listings++;
            return base.GetChildKeys(earlierKeys, parentPath);
        }
    }
}
