using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelRouter.Serialization;
using ModelRouter.Validation;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>
/// Checks an admin request body against the document it will be read into, listing every problem at once: fields the
/// document does not have, so that a typo such as <c>weigth</c> is refused instead of silently falling back to a
/// default; values of the wrong kind (<c>"weight":"abc"</c>, an object where a list belongs); and fields given more
/// than once, in any case or through <c>:</c> (configuration's level separator: such a body has no configuration
/// equivalent). Configuration files stay lenient.
/// </summary>
/// <remarks>
/// The known fields and their kinds come from the source-generated JSON metadata of the documents (names compared
/// case-insensitively, as the deserializer does), so the check and the reader cannot drift apart. <see langword="null"/>
/// is accepted wherever the document has a default. Paths use the record's spelling of a known field (<c>apiKey</c>
/// for <c>APIKEY</c>) and the body's spelling of anything else. The walk is linear in the size of the body and builds
/// a path only for a problem it reports.
/// </remarks>
internal static class AdminJsonShape
{
    private static readonly ConditionalWeakTable<JsonTypeInfo, Shape> s_shapes = [];

    /// <summary>Adds a problem to <paramref name="errors"/> for every unknown field, every value of the wrong kind and every field given twice.</summary>
    /// <returns><see langword="true"/> when a field is given more than once: the body is ambiguous then.</returns>
    public static bool Check(JsonElement root, JsonTypeInfo shape, List<ModelRouterConfigError> errors)
    {
        var first = errors.Count;
        var walk = new Walk(errors, fullKeys: false);
        walk.Visit(root, new Expected(shape, MapOfStrings: false), "", report: true);
        if (walk.SawColon)
        {
            // A field name with ':' can make the same configuration key as a nested field; such rare bodies are walked
            // again comparing every full key, where others only compare the fields of each object.
            errors.RemoveRange(first, errors.Count - first);
            walk = new Walk(errors, fullKeys: true);
            walk.Visit(root, new Expected(shape, MapOfStrings: false), "", report: true);
        }

        return walk.FoundDuplicate;
    }

    /// <summary>What a value should be: its document shape, and whether an object of names to strings may stand for the list (LLM headers).</summary>
    private readonly record struct Expected(JsonTypeInfo Info, bool MapOfStrings);

    /// <summary>One step of a path: a field name, or an index when <see cref="Name"/> is <see langword="null"/>.</summary>
    private readonly record struct Step(string? Name, int Index);

    /// <summary>The fields of an object shape by name (case-insensitive), what each expects, and the list of names for messages.</summary>
    private sealed class Shape
    {
        public Shape(JsonTypeInfo info)
        {
            var properties = info.Kind == JsonTypeInfoKind.Object ? info.Properties : [];
            var members = new Dictionary<string, (string Name, Expected Expected)>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in properties)
            {
                members[property.Name] = (property.Name, new Expected(info.Options.GetTypeInfo(property.PropertyType), property.CustomConverter is HeaderDocumentsConverter));
            }

            Members = members;
            Names = string.Join(", ", properties.Select(p => p.Name));
            Item = info is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } elementType } ? new Expected(info.Options.GetTypeInfo(elementType), false) : null;
            Text = new Expected(info.Options.GetTypeInfo(typeof(string)), false);
        }

        public Dictionary<string, (string Name, Expected Expected)> Members { get; }

        public string Names { get; }

        /// <summary>Gets what the items of a list shape expect.</summary>
        public Expected? Item { get; }

        /// <summary>Gets what a header value expects when headers come as an object of names to values.</summary>
        public Expected Text { get; }

        public static Shape Of(JsonTypeInfo info) => s_shapes.GetValue(info, static i => new Shape(i));
    }

    /// <summary>The field names of one open object, compared case-insensitively; reused from object to object at the same depth.</summary>
    private sealed class Siblings
    {
        // Objects are small and compared name by name; a large one (headers given as an object) through a set.
        private const int ListLimit = 16;
        private readonly List<string> _names = [];
        private HashSet<string>? _set;

        public void Clear()
        {
            _names.Clear();
            _set = null;
        }

        /// <summary>Adds a name; <see langword="false"/> when the object already has it.</summary>
        public bool Add(string name)
        {
            if (_set is not null)
            {
                return _set.Add(name);
            }

            foreach (var seen in _names)
            {
                if (string.Equals(seen, name, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            _names.Add(name);
            if (_names.Count == ListLimit)
            {
                _set = new HashSet<string>(_names, StringComparer.OrdinalIgnoreCase);
            }

            return true;
        }
    }

    private sealed class Walk(List<ModelRouterConfigError> errors, bool fullKeys)
    {
        private readonly List<Step> _path = [];

        // With fullKeys, every configuration key the body makes (levels joined by ':', list items by index), compared
        // as configuration does; otherwise the field names of each open object.
        private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<Siblings> _siblings = [];

        public bool FoundDuplicate { get; private set; }

        public bool SawColon { get; private set; }

        /// <summary>Visits a value; <paramref name="expected"/> is <see langword="null"/> inside unknown fields, where only duplicates are looked for.</summary>
        public void Visit(JsonElement element, Expected? expected, string key, bool report)
        {
            if (expected is { } wanted && report && !HasKind(element, wanted))
            {
                AddKindError(element, wanted);
                expected = null;
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                VisitObject(element, expected, key, report);
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var item = expected is { } list ? Shape.Of(list.Info).Item : null;
                var index = 0;
                foreach (var value in element.EnumerateArray())
                {
                    _path.Add(new Step(null, index));
                    var itemKey = fullKeys ? string.Create(CultureInfo.InvariantCulture, $"{key}:{index}") : "";
                    var fresh = !fullKeys || Fresh(itemKey, report);
                    Visit(value, item, itemKey, report && fresh);
                    _path.RemoveAt(_path.Count - 1);
                    index++;
                    if (SawColon && !fullKeys)
                    {
                        return;
                    }
                }
            }
        }

        private void VisitObject(JsonElement element, Expected? expected, string key, bool report)
        {
            var shape = expected is { Info.Kind: JsonTypeInfoKind.Object } known ? Shape.Of(known.Info) : null;
            Expected? text = expected is { MapOfStrings: true } map ? Shape.Of(map.Info).Text : null;
            var siblings = fullKeys ? null : OpenObject();
            foreach (var property in element.EnumerateObject())
            {
                var name = property.Name;
                if (!fullKeys && name.Contains(':', StringComparison.Ordinal))
                {
                    SawColon = true;
                    return;
                }

                (string Name, Expected Expected) member = default;
                var isMember = shape is not null && shape.Members.TryGetValue(name, out member);
                _path.Add(new Step(isMember ? member.Name : Shorten(name), 0));
                var propertyKey = fullKeys ? (key.Length == 0 ? name : $"{key}:{name}") : "";
                var fresh = fullKeys ? Fresh(propertyKey, report) : FreshSibling(siblings!, name, report);
                if (shape is not null && !isMember)
                {
                    var field = FormatPath(_path.Count);
                    errors.Add(new ModelRouterConfigError(field, $"{field}: '{Shorten(name)}' is not a known field; use one of: {shape.Names}"));
                }

                Visit(property.Value, isMember ? member.Expected : text, propertyKey, report && fresh);
                _path.RemoveAt(_path.Count - 1);
                if (SawColon && !fullKeys)
                {
                    return;
                }
            }
        }

        /// <summary>Records a full key; a key seen before is reported at the current path, once: not again for the fields inside it.</summary>
        private bool Fresh(string key, bool report)
        {
            if (_keys.Add(key))
            {
                return true;
            }

            ReportDuplicate(report);
            return false;
        }

        /// <summary>Records a field name of the open object, as <see cref="Fresh"/> does keys.</summary>
        private bool FreshSibling(Siblings siblings, string name, bool report)
        {
            if (siblings.Add(name))
            {
                return true;
            }

            ReportDuplicate(report);
            return false;
        }

        private Siblings OpenObject()
        {
            var depth = _path.Count;
            while (_siblings.Count <= depth)
            {
                _siblings.Add(new Siblings());
            }

            var siblings = _siblings[depth];
            siblings.Clear();
            return siblings;
        }

        private void ReportDuplicate(bool report)
        {
            FoundDuplicate = true;
            if (report)
            {
                var field = FormatPath(_path.Count);
                errors.Add(new ModelRouterConfigError(field, $"{field}: the field is given more than once (field names are case-insensitive); send it once"));
            }
        }

        /// <summary>Reports a value of the wrong kind within its parent object: <c>pools[0]: 'failoverStatusCodes[1]' must be a whole number, not 'x'</c>.</summary>
        private void AddKindError(JsonElement element, Expected expected)
        {
            var member = _path.FindLastIndex(s => s.Name is not null);
            var parent = FormatPath(Math.Max(member, 0));
            var field = FormatPath(_path.Count);
            var (wanted, echo) = Describe(expected);
            var message = $"'{field[(parent.Length == 0 ? 0 : parent.Length + 1)..]}' must be {wanted}, not {Describe(element, echo)}";
            errors.Add(new ModelRouterConfigError(field, parent.Length == 0 ? message : $"{parent}: {message}"));
        }

        private string FormatPath(int steps)
        {
            var path = new StringBuilder();
            for (var i = 0; i < steps; i++)
            {
                if (_path[i].Name is { } name)
                {
                    path.Append(path.Length == 0 ? "" : ".").Append(name);
                }
                else
                {
                    path.Append(CultureInfo.InvariantCulture, $"[{_path[i].Index}]");
                }
            }

            return path.ToString();
        }
    }

    /// <summary>Whether a value has the kind the deserializer will read it as; <see langword="null"/> takes the default wherever there is one.</summary>
    private static bool HasKind(JsonElement element, Expected expected)
    {
        var type = expected.Info.Type;
        if (element.ValueKind == JsonValueKind.Null)
        {
            return !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        }

        switch (expected.Info.Kind)
        {
            case JsonTypeInfoKind.Object:
                return element.ValueKind == JsonValueKind.Object;
            case JsonTypeInfoKind.Enumerable:
                return element.ValueKind == JsonValueKind.Array || (expected.MapOfStrings && element.ValueKind == JsonValueKind.Object);
        }

        type = Nullable.GetUnderlyingType(type) ?? type;
        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => element.ValueKind == JsonValueKind.String,
            TypeCode.Boolean => element.ValueKind is JsonValueKind.True or JsonValueKind.False,
            TypeCode.Int32 => element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out _),
            TypeCode.Double => element.ValueKind == JsonValueKind.Number
                ? element.TryGetDouble(out _)
                : element.ValueKind == JsonValueKind.String && element.GetString() is "NaN" or "Infinity" or "-Infinity",
            _ => true,
        };
    }

    /// <summary>Names what a value should be, and whether a message may quote the value sent: never for text, which may be a key.</summary>
    private static (string Wanted, bool Echo) Describe(Expected expected)
    {
        switch (expected.Info.Kind)
        {
            case JsonTypeInfoKind.Object:
                return ("an object", false);
            case JsonTypeInfoKind.Enumerable:
                return (expected.MapOfStrings ? "a list (or an object of header names to values)" : "a list", false);
        }

        var type = Nullable.GetUnderlyingType(expected.Info.Type) ?? expected.Info.Type;
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => ("true or false", true),
            TypeCode.Int32 => ("a whole number", true),
            TypeCode.Double => ("a number", true),
            _ => ("a string", false),
        };
    }

    private static string Describe(JsonElement element, bool echo) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Null => "null",
        JsonValueKind.String => echo ? $"'{Shorten(element.GetString()!)}'" : "a string",
        JsonValueKind.Number => echo ? $"'{Shorten(element.GetRawText())}'" : "a number",
        _ => echo ? $"'{Shorten(element.GetRawText())}'" : "true or false",
    };

    /// <summary>A name or value as a message may quote it: its first 64 characters, so that an error never echoes a huge body back.</summary>
    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
