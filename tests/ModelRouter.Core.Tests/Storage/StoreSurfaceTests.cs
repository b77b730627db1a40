using System.Data.Common;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Storage;

namespace ModelRouter.Tests.Storage;

/// <summary>The SQL store base is shared with the store packages through InternalsVisibleTo, never published by Core.</summary>
public class StoreSurfaceTests
{
    [TestCase(typeof(SqlRouterStore))]
    [TestCase(typeof(SqlRouterStoreOptions))]
    [TestCase(typeof(SqlRouterStoreKind<>))]
    [TestCase(typeof(RouterStoreChangeApplier))]
    [TestCase(typeof(StoreFailure))]
    public void StorageBase_Type_IsNotPublic(Type type)
        => Assert.That(type.IsVisible, Is.False, $"{type.Name} is part of ModelRouter.Core's public API.");

    [Test]
    public void PublicSurface_OfCore_NamesNoAdoNetType()
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var leaks = typeof(IRouterStore).Assembly.GetExportedTypes()
            .SelectMany(type => type.GetMembers(Declared).Select(member => (type, member)))
            .Where(m => m.member switch
            {
                MethodBase method => (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly)
                    && (method.GetParameters().Any(p => IsAdoNet(p.ParameterType)) || method is MethodInfo { ReturnType: var returns } && IsAdoNet(returns)),
                PropertyInfo property => property.GetMethod is { } getter && (getter.IsPublic || getter.IsFamily) && IsAdoNet(property.PropertyType),
                _ => false,
            })
            .Select(m => $"{m.type.Name}.{m.member.Name}")
            .ToList();

        Assert.That(leaks, Is.Empty);
    }

    // A DbConnection, DbCommand, DbTransaction... or a task of one.
    private static bool IsAdoNet(Type type)
        => type.Namespace == typeof(DbConnection).Namespace || type.IsGenericType && type.GetGenericArguments().Any(IsAdoNet);
}
