using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>
/// Finds fields of an admin request body that the configuration shape does not have, so that a typo such as
/// <c>weigth</c> is refused instead of silently falling back to a default, and fields given more than once, which
/// configuration (case-insensitive, <c>:</c> between levels) cannot tell apart. Configuration files stay lenient.
/// </summary>
/// <remarks>
/// The known fields come from the source-generated JSON metadata of the configuration records (names compared
/// case-insensitively, like configuration keys), so the check and the shape the API writes cannot drift apart.
/// Values of an unexpected kind are left to the configuration reader, which names them too. Paths use the
/// record's spelling of a known field (<c>apiKey</c> for <c>APIKEY</c>) and the body's spelling of anything else.
/// </remarks>
internal static class AdminJsonShape
{
    /// <summary>Adds a problem to <paramref name="errors"/> for every unknown field and every field given twice.</summary>
    /// <returns><see langword="true"/> when a field is given more than once: the body cannot be read as configuration then.</returns>
    public static bool Check(JsonElement root, JsonTypeInfo shape, List<RouterConfigError> errors)
    {
        var walk = new Walk(errors);
        walk.Visit(root, shape, "", "", report: true);
        return walk.FoundDuplicate;
    }

    private static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";

    private sealed class Walk(List<RouterConfigError> errors)
    {
        // Every configuration key the body makes, as the JSON configuration reader would make it.
        private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);

        public bool FoundDuplicate { get; private set; }

        public void Visit(JsonElement element, JsonTypeInfo? shape, string path, string key, bool report)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                var objectShape = shape is { Kind: JsonTypeInfoKind.Object } ? shape : null;
                foreach (var property in element.EnumerateObject())
                {
                    var known = objectShape?.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                    var field = Join(path, known?.Name ?? property.Name);
                    var propertyKey = key.Length == 0 ? property.Name : $"{key}:{property.Name}";
                    var fresh = Add(propertyKey, field, report);
                    if (objectShape is not null && known is null)
                    {
                        var names = string.Join(", ", objectShape.Properties.Select(p => p.Name));
                        errors.Add(new RouterConfigError(field, $"{field}: '{property.Name}' is not a known field; use one of: {names}"));
                    }

                    Visit(property.Value, known is null ? null : objectShape!.Options.GetTypeInfo(known.PropertyType), field, propertyKey, report && fresh);
                }
            }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var elementShape = shape is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } elementType } ? shape.Options.GetTypeInfo(elementType) : null;
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var field = string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
                    var itemKey = string.Create(CultureInfo.InvariantCulture, $"{key}:{index++}");
                    var fresh = Add(itemKey, field, report);
                    Visit(item, elementShape, field, itemKey, report && fresh);
                }
            }

            // Scalars, and objects where the shape has none (headers written as a name-to-value object), are for the
            // reader to judge; only their keys are checked.
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
    }
}
