using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Tests.Admin;

/// <summary>The configuration records have one JSON shape: a single source-generated context serves the stores and the admin API.</summary>
[TestFixture]
public sealed class JsonContextTests
{
    [Test]
    public void Contexts_OfBothPackages_OnlyOneDescribesTheConfigurationRecords()
    {
        var assemblies = new[] { typeof(LlmConfig).Assembly, typeof(ModelRouterAdminEndpointRouteBuilderExtensions).Assembly };

        var describing = assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsAbstract && typeof(JsonSerializerContext).IsAssignableFrom(t))
            .Where(t => Context(t).GetTypeInfo(typeof(LlmConfig)) is not null)
            .Select(t => t.FullName)
            .ToList();

        Assert.That(describing, Has.Count.EqualTo(1), string.Join(", ", describing));
    }

    private static JsonSerializerContext Context(Type type)
        => (JsonSerializerContext)type.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
}
