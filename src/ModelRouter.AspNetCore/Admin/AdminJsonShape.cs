using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelRouter.Configuration;
using ModelRouter.Serialization;

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
/// for <c>APIKEY</c>) and the body's spelling of anything else.
/// </remarks>
internal static class AdminJsonShape
{
    /// <summary>Adds a problem to <paramref name="errors"/> for every unknown field, every value of the wrong kind and every field given twice.</summary>
    /// <returns><see langword="true"/> when a field is given more than once: the body is ambiguous then.</returns>
    public static bool Check(JsonElement root, JsonTypeInfo shape, List<RouterConfigError> errors)
    {
        var walk = new Walk(errors);
        walk.Visit(root, new Expected(shape, MapOfStrings: false), new Place("", "", "", ""), report: true);
        return walk.FoundDuplicate;
    }

    private static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";

    /// <summary>What a value should be: its document shape, and whether an object of names to strings may stand for the list (LLM headers).</summary>
    private readonly record struct Expected(JsonTypeInfo Shape, bool MapOfStrings);

    /// <summary>Where a value is: its path, the configuration key it makes, and how a message names it within its parent.</summary>
    private readonly record struct Place(string Path, string Key, string Parent, string Name);

    private sealed class Walk(List<RouterConfigError> errors)
    {
        // Every configuration key the body makes (levels joined by ':', list items by index), compared as configuration does.
        private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);

        public bool FoundDuplicate { get; private set; }

        /// <summary>Visits a value; <paramref name="expected"/> is <see langword="null"/> inside unknown fields, where only keys are recorded.</summary>
        public void Visit(JsonElement element, Expected? expected, Place place, bool report)
        {
            if (expected is { } known && report && !HasKind(element, known))
            {
                AddKindError(element, known, place);
                expected = null;
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                var objectShape = expected is { Shape.Kind: JsonTypeInfoKind.Object } e ? e.Shape : null;
                var mapOfStrings = expected is { MapOfStrings: true };
                foreach (var property in element.EnumerateObject())
                {
                    var member = objectShape?.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                    var field = Join(place.Path, member?.Name ?? property.Name);
                    var key = place.Key.Length == 0 ? property.Name : $"{place.Key}:{property.Name}";
                    var fresh = Add(key, field, report);
                    if (objectShape is not null && member is null)
                    {
                        var names = string.Join(", ", objectShape.Properties.Select(p => p.Name));
                        errors.Add(new RouterConfigError(field, $"{field}: '{property.Name}' is not a known field; use one of: {names}"));
                    }

                    Expected? inner = member is not null
                        ? new Expected(objectShape!.Options.GetTypeInfo(member.PropertyType), member.CustomConverter is HeaderDocumentsConverter)
                        : mapOfStrings ? new Expected(expected!.Value.Shape.Options.GetTypeInfo(typeof(string)), false) : null;
                    Visit(property.Value, inner, new Place(field, key, place.Path, member?.Name ?? property.Name), report && fresh);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                Expected? item = expected is { Shape: { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } elementType } } e
                    ? new Expected(e.Shape.Options.GetTypeInfo(elementType), false)
                    : null;
                var index = 0;
                foreach (var value in element.EnumerateArray())
                {
                    var field = string.Create(CultureInfo.InvariantCulture, $"{place.Path}[{index}]");
                    var name = string.Create(CultureInfo.InvariantCulture, $"{place.Name}[{index}]");
                    var key = string.Create(CultureInfo.InvariantCulture, $"{place.Key}:{index++}");
                    var fresh = Add(key, field, report);
                    Visit(value, item, new Place(field, key, place.Parent, name), report && fresh);
                }
            }
        }

        /// <summary>Records a key; a key seen before is reported at <paramref name="field"/>, once: not again for the fields inside it.</summary>
        private bool Add(string key, string field, bool report)
        {
            if (_keys.Add(key))
            {
                return true;
            }

            FoundDuplicate = true;
            if (report)
            {
                errors.Add(new RouterConfigError(field, $"{field}: the field is given more than once (field names are case-insensitive); send it once"));
            }

            return false;
        }

        private void AddKindError(JsonElement element, Expected expected, Place place)
        {
            var (wanted, echo) = Describe(expected);
            var message = $"'{place.Name}' must be {wanted}, not {Describe(element, echo)}";
            errors.Add(new RouterConfigError(place.Path, place.Parent.Length == 0 ? message : $"{place.Parent}: {message}"));
        }
    }

    /// <summary>Whether a value has the kind the deserializer will read it as; <see langword="null"/> takes the default wherever there is one.</summary>
    private static bool HasKind(JsonElement element, Expected expected)
    {
        var type = expected.Shape.Type;
        if (element.ValueKind == JsonValueKind.Null)
        {
            return !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        }

        switch (expected.Shape.Kind)
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
        switch (expected.Shape.Kind)
        {
            case JsonTypeInfoKind.Object:
                return ("an object", false);
            case JsonTypeInfoKind.Enumerable:
                return (expected.MapOfStrings ? "a list (or an object of header names to values)" : "a list", false);
        }

        var type = Nullable.GetUnderlyingType(expected.Shape.Type) ?? expected.Shape.Type;
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
        JsonValueKind.String => echo ? $"'{element.GetString()}'" : "a string",
        JsonValueKind.Number => echo ? $"'{element.GetRawText()}'" : "a number",
        _ => echo ? $"'{element.GetRawText()}'" : "true or false",
    };
}
