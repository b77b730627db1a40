using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>
/// Finds fields of an admin request body that the configuration shape does not have, so that a typo such as
/// <c>weigth</c> is refused instead of silently falling back to a default. Configuration files stay lenient.
/// </summary>
/// <remarks>
/// The known fields come from the source-generated JSON metadata of the configuration records (names compared
/// case-insensitively, like configuration keys), so the check and the shape the API writes cannot drift apart.
/// Values of an unexpected kind are left to the configuration reader, which names them too.
/// </remarks>
internal static class AdminJsonShape
{
    public static void FindUnknownFields(JsonElement element, JsonTypeInfo shape, string path, List<RouterConfigError> errors)
    {
        if (shape.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var known = shape.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
                var field = Join(path, property.Name);
                if (known is null)
                {
                    var names = string.Join(", ", shape.Properties.Select(p => p.Name));
                    errors.Add(new RouterConfigError(field, $"{field}: '{property.Name}' is not a known field; use one of: {names}"));
                }
                else
                {
                    FindUnknownFields(property.Value, shape.Options.GetTypeInfo(known.PropertyType), field, errors);
                }
            }
        }
        else if (shape.Kind == JsonTypeInfoKind.Enumerable && shape.ElementType is { } elementType && element.ValueKind == JsonValueKind.Array)
        {
            var elementShape = shape.Options.GetTypeInfo(elementType);
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                FindUnknownFields(item, elementShape, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]"), errors);
            }
        }

        // Anything else (scalars, or headers written as a name-to-value object) is for the reader to judge.
    }

    private static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";
}
