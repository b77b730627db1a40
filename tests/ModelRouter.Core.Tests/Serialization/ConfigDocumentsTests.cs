using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

namespace ModelRouter.Tests.Serialization;

public class ConfigDocumentsTests
{
    private static readonly (Type Record, Type Document)[] s_pairs =
    [
        (typeof(ModelRouterConfig), typeof(ConfigDocument)),
        (typeof(LlmConfig), typeof(LlmDocument)),
        (typeof(HeaderConfig), typeof(HeaderDocument)),
        (typeof(RouterConfig), typeof(RouterDocument)),
        (typeof(PoolConfig), typeof(PoolDocument)),
        (typeof(VendorConfig), typeof(VendorDocument)),
        (typeof(ModelMappingConfig), typeof(ModelMappingDocument)),
        (typeof(AppConfig), typeof(AppDocument)),
    ];

    [TestCaseSource(nameof(s_pairs))]
    public void Document_HasTheJsonFieldsOfItsRecord_InTheSameOrder((Type Record, Type Document) pair)
        => Assert.That(Names(pair.Document), Is.EqualTo(Names(pair.Record)));

    [Test]
    public void Read_FullyConfiguredItems_GivesEveryFieldBack()
    {
        var config = new ModelRouterConfig
        {
            Llms =
            [
                new LlmConfig
                {
                    Id = "a", Provider = "anthropic", BaseUrl = "http://127.0.0.1:9", ApiKey = "sk-a", ApiVersion = "2023-06-01",
                    Headers = [new HeaderConfig { Name = "anthropic-beta", Value = "x" }],
                    ConnectTimeoutSeconds = 1.5, TimeoutSeconds = 2, StreamIdleTimeoutSeconds = 3, DefaultMaxTokens = 100,
                },
            ],
            Routers =
            [
                new RouterConfig
                {
                    Slug = "r", Name = "R", Description = "d", Active = false, Namespaces = ["eu"],
                    Pools =
                    [
                        new PoolConfig
                        {
                            Name = "p", ModelPattern = "gpt-*", Algorithm = "weighted", Priority = 5, MaxAttempts = 2, FailoverStatusCodes = [500, 429],
                            Vendors = [new VendorConfig { Llm = "a", Weight = 0, Active = false, ModelMappings = [new ModelMappingConfig { Source = "s", Target = "t" }] }],
                        },
                    ],
                },
            ],
            Apps = [new AppConfig { Name = "team", ApiKey = "app-key-123", Routers = ["r"] }],
        };
        var json = JsonSerializer.Serialize(config, ConfigJsonContext.Default.ModelRouterConfig);

        var read = ConfigDocuments.Read(json, ConfigJsonContext.Default.ConfigDocument).ToConfig();

        Assert.That(JsonSerializer.Serialize(read, ConfigJsonContext.Default.ModelRouterConfig), Is.EqualTo(json));
    }

    [Test]
    public void Read_EmptyObjects_GiveTheRecordDefaults()
    {
        var read = ConfigDocuments.Read("""{"llms":[{}],"routers":[{"pools":[{"vendors":[{"modelMappings":[{}]}]}]}],"apps":[{}]}""", ConfigJsonContext.Default.ConfigDocument).ToConfig();

        var expected = new ModelRouterConfig
        {
            Llms = [new LlmConfig()],
            Routers = [new RouterConfig { Pools = [new PoolConfig { Vendors = [new VendorConfig { ModelMappings = [new ModelMappingConfig()] }] }] }],
            Apps = [new AppConfig()],
        };
        Assert.That(Json(read), Is.EqualTo(Json(expected)));
    }

    [Test]
    public void Read_NullsForFieldsAndItems_GiveDefaultsAndKeepIndices()
    {
        var router = ConfigDocuments.Read(
            """{"slug":"r","active":null,"namespaces":null,"pools":[{"name":"p","priority":null,"vendors":[null,{"llm":"b","weight":null}]}]}""",
            ConfigJsonContext.Default.RouterDocument).ToConfig();

        Assert.Multiple(() =>
        {
            Assert.That((router.Active, router.Namespaces.Count, router.Pools[0].Priority), Is.EqualTo((true, 0, 0)));
            Assert.That(router.Pools[0].Vendors.Select(v => (v.Llm, v.Weight)), Is.EqualTo(new[] { ("", 1), ("b", 1) }));
        });
    }

    [Test]
    public void Read_HeadersAsAnObjectOfNamesToValues_ReadsThemInOrder()
    {
        var llm = ConfigDocuments.Read("""{"id":"a","headers":{"X-One":"1","X-Two":"2"}}""", ConfigJsonContext.Default.LlmDocument).ToConfig();

        Assert.That(llm.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("X-One", "1"), ("X-Two", "2") }));
    }

    [Test]
    public void Read_ValueOfTheWrongKind_ThrowsNamingTheField()
    {
        var ex = Assert.Throws<JsonException>(() => ConfigDocuments.Read("""{"slug":"r","pools":[{"vendors":[{"llm":"a","weight":"heavy"}]}]}""", ConfigJsonContext.Default.RouterDocument))!;

        Assert.That(ConfigDocuments.FieldOf(ex), Is.EqualTo("pools[0].vendors[0].weight"));
    }

    [Test]
    public void Read_NullDocument_Throws()
        => Assert.Throws<JsonException>(() => ConfigDocuments.Read("null", ConfigJsonContext.Default.AppDocument));

    private static string[] Names(Type type) => [.. ConfigJsonContext.Default.GetTypeInfo(type)!.Properties.Select(p => p.Name)];

    private static string Json(ModelRouterConfig config) => JsonSerializer.Serialize(config, ConfigJsonContext.Default.ModelRouterConfig);
}
