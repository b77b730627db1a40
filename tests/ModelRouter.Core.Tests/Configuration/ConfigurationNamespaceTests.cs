using System.Reflection;
using ModelRouter.Configuration;
using ModelRouter.Selection;

namespace ModelRouter.Tests.Configuration;

/// <summary>ModelRouter.Configuration holds plain records and options that name no other ModelRouter namespace.</summary>
public class ConfigurationNamespaceTests
{
    [Test]
    public void PoolConfig_Default_AlgorithmIsTheRoundRobinSelector()
        => Assert.That(new PoolConfig().Algorithm, Is.EqualTo(VendorSelectors.RoundRobin));

    [Test]
    public void ConfigurationTypes_Members_NameNoOtherModelRouterNamespace()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var outside = typeof(ModelRouterConfig).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(ModelRouterConfig).Namespace)
            .SelectMany(t => t.GetMembers(All).SelectMany(Signature).Select(used => $"{t.Name}.{used}"))
            .Where(used => used.Contains("ModelRouter.", StringComparison.Ordinal) && !used.Contains("ModelRouter.Configuration.", StringComparison.Ordinal))
            .ToList();

        Assert.That(outside, Is.Empty);
    }

    private static IEnumerable<string> Signature(MemberInfo member) => (member switch
    {
        MethodBase method => method.GetParameters().Select(p => p.ParameterType).Append(method is MethodInfo info ? info.ReturnType : typeof(void)),
        PropertyInfo property => [property.PropertyType],
        FieldInfo field => [field.FieldType],
        _ => [],
    }).Select(type => $"{member.Name}: {type.FullName ?? type.Name}");
}
