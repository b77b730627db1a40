using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;

namespace ModelRouter.AspNetCore.AdminUi;

/// <summary>One file of the admin UI: its bytes, media type and entity tag.</summary>
internal sealed record AdminUiAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The admin UI's files, read once from the resources embedded in this assembly (logical names
/// <c>ModelRouter.AdminUi/{path}</c>). <c>index.html</c> gets the admin API and chat endpoint paths of this host.
/// </summary>
internal sealed class AdminUiAssets
{
    private const string ResourcePrefix = "ModelRouter.AdminUi/";
    private const string AdminApiPlaceholder = "{{ADMIN_API_PATH}}";
    private const string RouterPathPlaceholder = "{{ROUTER_PATH}}";

    private readonly FrozenDictionary<string, AdminUiAsset> _assets;

    public AdminUiAssets(string adminApiPath, string routerPath)
    {
        var assembly = typeof(AdminUiAssets).Assembly;
        var assets = new Dictionary<string, AdminUiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            var content = Read(assembly, name);
            if (path == "index.html")
            {
                content = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content)
                    .Replace(AdminApiPlaceholder, HtmlEncoder.Default.Encode(adminApiPath), StringComparison.Ordinal)
                    .Replace(RouterPathPlaceholder, HtmlEncoder.Default.Encode(routerPath), StringComparison.Ordinal));
            }

            assets[path] = new AdminUiAsset(content, ContentTypeOf(path), $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"");
        }

        if (!assets.ContainsKey("index.html"))
        {
            throw new InvalidOperationException("The admin UI's files are missing from the ModelRouter.AspNetCore assembly.");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the paths of every file, relative to the UI's root.</summary>
    public IEnumerable<string> Paths => _assets.Keys;

    public bool TryGet(string path, out AdminUiAsset asset) => _assets.TryGetValue(path, out asset!);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    };
}
