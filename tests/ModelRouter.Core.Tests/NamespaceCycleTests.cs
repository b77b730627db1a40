using System.Reflection;
using ModelRouter.Routing;

namespace ModelRouter.Core.Tests;

/// <summary>
/// Dependencies between the namespaces of ModelRouter.Core point one way (endpoint -> router -> selection / matching /
/// attempt -> adapters -> model -> configuration). A namespace cycle makes the request path hard to follow; this test
/// finds one from the types each type's members use (fields, including those of state machines and closures,
/// properties, method and constructor signatures, base types and interfaces).
/// </summary>
public class NamespaceCycleTests
{
    [Test]
    public void CoreNamespaces_DependOnEachOtherWithoutCycles()
    {
        var graph = NamespaceGraph.Of(typeof(IModelRouter).Assembly);

        var cycles = graph.Cycles();

        Assert.That(cycles, Is.Empty, () => string.Join("\n", cycles.Select(graph.Describe)));
    }

    [Test]
    public void TheCycleFinder_FindsACycle()
    {
        // The finder itself must be able to fail: two namespaces that use each other form one cycle.
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "A.X uses B.Y");
        graph.Add("B", "C", "B.Y uses C.Z");
        graph.Add("C", "A", "C.Z uses A.X");
        graph.Add("C", "D", "C.Z uses D.W");

        var cycles = graph.Cycles();

        Assert.That(cycles, Has.Count.EqualTo(1));
        Assert.That(cycles[0], Is.EquivalentTo(new[] { "A", "B", "C" }));
    }

    private sealed class NamespaceGraph
    {
        private const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        private readonly SortedDictionary<string, SortedDictionary<string, string>> _edges = new(StringComparer.Ordinal);

        public static NamespaceGraph Of(Assembly assembly)
        {
            var graph = new NamespaceGraph();
            foreach (var type in assembly.GetTypes())
            {
                var from = NamespaceOf(type);
                foreach (var used in UsedTypes(type).SelectMany(Flatten))
                {
                    if (used.Assembly == assembly && NamespaceOf(used) is var to && to != from)
                    {
                        graph.Add(from, to, $"{type.FullName} uses {used.FullName}");
                    }
                }
            }

            return graph;
        }

        public void Add(string from, string to, string example)
        {
            if (!_edges.TryGetValue(from, out var targets))
            {
                _edges[from] = targets = new(StringComparer.Ordinal);
            }

            targets.TryAdd(to, example);
            _edges.TryAdd(to, new(StringComparer.Ordinal));
        }

        /// <summary>Returns the strongly connected components of more than one namespace (Tarjan).</summary>
        public List<string[]> Cycles()
        {
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var onStack = new HashSet<string>();
            var result = new List<string[]>();
            var next = 0;

            void Visit(string node)
            {
                index[node] = low[node] = next++;
                stack.Push(node);
                onStack.Add(node);
                foreach (var target in _edges[node].Keys)
                {
                    if (index.TryGetValue(target, out var seen))
                    {
                        if (onStack.Contains(target))
                        {
                            low[node] = Math.Min(low[node], seen);
                        }
                    }
                    else
                    {
                        Visit(target);
                        low[node] = Math.Min(low[node], low[target]);
                    }
                }

                if (low[node] == index[node])
                {
                    var component = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component.Add(member);
                    }
                    while (member != node);
                    if (component.Count > 1)
                    {
                        result.Add([.. component.Order(StringComparer.Ordinal)]);
                    }
                }
            }

            foreach (var node in _edges.Keys)
            {
                if (!index.ContainsKey(node))
                {
                    Visit(node);
                }
            }

            return result;
        }

        public string Describe(string[] cycle)
        {
            var members = cycle.ToHashSet(StringComparer.Ordinal);
            var lines = cycle.SelectMany(from => _edges[from].Where(e => members.Contains(e.Key)).Select(e => $"  {from} -> {e.Key}: {e.Value}"));
            return $"Cycle among {string.Join(", ", cycle)}:\n{string.Join("\n", lines)}";
        }

        private static string NamespaceOf(Type type)
        {
            while (type.DeclaringType is { } outer)
            {
                type = outer;
            }

            return type.Namespace ?? "";
        }

        private static IEnumerable<Type> UsedTypes(Type type)
        {
            if (type.BaseType is { } baseType)
            {
                yield return baseType;
            }

            foreach (var contract in type.GetInterfaces())
            {
                yield return contract;
            }

            foreach (var field in type.GetFields(Members))
            {
                yield return field.FieldType;
            }

            foreach (var property in type.GetProperties(Members))
            {
                yield return property.PropertyType;
            }

            foreach (var method in type.GetMethods(Members).Cast<MethodBase>().Concat(type.GetConstructors(Members)))
            {
                if (method is MethodInfo info)
                {
                    yield return info.ReturnType;
                }

                foreach (var parameter in method.GetParameters())
                {
                    yield return parameter.ParameterType;
                }
            }
        }

        private static IEnumerable<Type> Flatten(Type type)
        {
            if (type.HasElementType)
            {
                foreach (var inner in Flatten(type.GetElementType()!))
                {
                    yield return inner;
                }

                yield break;
            }

            if (type.IsGenericParameter)
            {
                yield break;
            }

            yield return type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments().SelectMany(Flatten))
                {
                    yield return argument;
                }
            }
        }
    }
}
