using System.Reflection;
using System.Text.Json;
using ModelRouter.Configuration;
using ModelRouter.Storage;

namespace ModelRouter.Tests.Configuration;

/// <summary>The shipped <c>ConfigurationSchema.json</c> (appsettings IntelliSense) describes exactly the configuration the router reads.</summary>
public sealed class ConfigurationSchemaTests
{
    private static readonly JsonElement Schema = LoadSchema();

    private static IEnumerable<TestCaseData> Shapes()
    {
        yield return new TestCaseData(typeof(ModelRouterOptions), "properties.ModelRouter", new[] { "store", "allowEmpty" }).SetArgDisplayNames("ModelRouter");
        yield return new TestCaseData(typeof(RouterStoreSettings), "properties.ModelRouter.properties.store", Array.Empty<string>()).SetArgDisplayNames("store");
        yield return new TestCaseData(typeof(LlmConfig), "definitions.modelRouterLlm", Array.Empty<string>()).SetArgDisplayNames("llm");
        yield return new TestCaseData(typeof(HeaderConfig), "definitions.modelRouterLlm.properties.headers.items", Array.Empty<string>()).SetArgDisplayNames("header");
        yield return new TestCaseData(typeof(RouterConfig), "definitions.modelRouterRouter", Array.Empty<string>()).SetArgDisplayNames("router");
        yield return new TestCaseData(typeof(PoolConfig), "definitions.modelRouterPool", Array.Empty<string>()).SetArgDisplayNames("pool");
        yield return new TestCaseData(typeof(VendorConfig), "definitions.modelRouterVendor", Array.Empty<string>()).SetArgDisplayNames("vendor");
        yield return new TestCaseData(typeof(ModelMappingConfig), "definitions.modelRouterVendor.properties.modelMappings.items", Array.Empty<string>()).SetArgDisplayNames("mapping");
        yield return new TestCaseData(typeof(AppConfig), "definitions.modelRouterApp", Array.Empty<string>()).SetArgDisplayNames("app");
    }

    [TestCaseSource(nameof(Shapes))]
    public void Schema_ListsEveryConfigurableProperty_AndNothingElse(Type shape, string path, string[] extra)
    {
        var expected = shape.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.DeclaringType == shape && IsConfigurable(p))
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Concat(extra)
            .Order(StringComparer.Ordinal)
            .ToList();
        var listed = Find(path).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        Assert.That(listed, Is.EqualTo(expected));
    }

    [Test]
    public void SampleGatewaySettings_UseOnlyKeysTheSchemaKnows()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "ModelRouter.Gateway", "appsettings.json")), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var unknown = new List<string>();
        Walk(settings.RootElement.GetProperty("ModelRouter"), Find("properties.ModelRouter"), "ModelRouter", unknown);
        Assert.That(unknown, Is.Empty);
    }

    [Test]
    public void Schema_KnowsTheProviderKinds()
    {
        var kinds = Find("definitions.modelRouterLlm.properties.provider").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();
        var declared = typeof(ProviderKinds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string?)f.GetValue(null)).ToList();
        Assert.That(kinds, Is.EquivalentTo(declared));
    }

    private static bool IsConfigurable(PropertyInfo property)
        => property.Name != nameof(RouterStoreSettings.Section) && property.Name != "EqualityContract"
            && (property.SetMethod is { IsPublic: true } || typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType) && property.PropertyType != typeof(string));

    private static void Walk(JsonElement value, JsonElement schema, string path, List<string> unknown)
    {
        schema = Resolve(schema);
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out var child))
                {
                    Walk(property.Value, child, $"{path}.{property.Name}", unknown);
                }
                else
                {
                    unknown.Add($"{path}.{property.Name}");
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Walk(item, items, $"{path}[{i++}]", unknown);
            }
        }
    }

    private static JsonElement Resolve(JsonElement schema)
        => schema.TryGetProperty("$ref", out var reference) ? Find(reference.GetString()!.TrimStart('#', '/').Replace('/', '.')) : schema;

    private static JsonElement Find(string path)
    {
        var element = Schema;
        foreach (var part in path.Split('.'))
        {
            element = Resolve(element).GetProperty(part);
        }

        return Resolve(element);
    }

    private static JsonElement LoadSchema()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "ModelRouter.Core", "ConfigurationSchema.json")));
        return document.RootElement.Clone();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ModelRouter.Core.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test directory.");
    }
}
