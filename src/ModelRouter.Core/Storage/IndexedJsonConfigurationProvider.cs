using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace ModelRouter.Storage;

/// <summary>
/// A JSON configuration file read again, with the children of every key indexed once after its load: listing them
/// (<see cref="GetChildKeys"/>) costs the number of children, where the base provider scans every key of the file on
/// each call. The file is parsed by <see cref="JsonConfigurationProvider"/> itself, so keys and values are the same.
/// </summary>
internal sealed class IndexedJsonConfigurationProvider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
{
    private Dictionary<string, List<string>> _children = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override void Load(Stream stream)
    {
        base.Load(stream);
        _children = Index(Data.Keys);
    }

    /// <inheritdoc/>
    public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
    {
        var keys = new List<string>(earlierKeys);
        if (_children.TryGetValue(parentPath ?? "", out var own))
        {
            keys.AddRange(own);
        }

        keys.Sort(ConfigurationKeyComparer.Instance);
        return keys;
    }

    /// <summary>Maps each path (the root is <c>""</c>) to the last segments of the keys one level below it.</summary>
    private static Dictionary<string, List<string>> Index(IEnumerable<string> keys)
    {
        var children = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var lookup = children.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var key in keys)
        {
            // Register the key under its parent; a parent seen for the first time is registered under its own, and so
            // on up to one already known, so each path is registered once.
            ReadOnlySpan<char> path = key;
            while (true)
            {
                var cut = path.LastIndexOf(ConfigurationPath.KeyDelimiter[0]);
                var parent = cut < 0 ? [] : path[..cut];
                var segment = path[(cut + 1)..].ToString();
                if (lookup.TryGetValue(parent, out var list))
                {
                    list.Add(segment);
                    break;
                }

                lookup[parent] = [segment];
                if (cut < 0)
                {
                    break;
                }

                path = parent;
            }
        }

        return children;
    }
}
