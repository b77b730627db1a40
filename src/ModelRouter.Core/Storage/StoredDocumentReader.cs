using System.Text;
using Microsoft.Extensions.Configuration;

namespace ModelRouter.Storage;

/// <summary>
/// Reads a stored item's JSON with the same reader as configuration files. The source-generated deserializer would set
/// every property a document lacks to zero or <see langword="null"/> (it fills init-only properties in one object
/// initializer); going through the reader, a row written before a property existed gets that property's documented default.
/// </summary>
internal static class StoredDocumentReader
{
    public static T Read<T>(string json, string key, Func<IConfigurationSection, string, List<Configuration.RouterConfigError>, T> read)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{\"item\":" + json + "}"));
        var section = new ConfigurationBuilder().AddJsonStream(stream).Build().GetSection("item");
        var errors = new List<Configuration.RouterConfigError>();
        var item = read(section, key, errors);
        return errors.Count == 0 ? item : throw new ModelRouterConfigurationException([.. errors.Select(e => e.Message)]);
    }
}
