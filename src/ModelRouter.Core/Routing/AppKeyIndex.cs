using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using ModelRouter.Configuration;

namespace ModelRouter.Routing;

/// <summary>Looks up client apps by key without keeping or comparing the keys themselves in variable time.</summary>
/// <remarks>Keys are stored as SHA-256 digests; a lookup hashes the presented key and confirms it with a fixed-time comparison.</remarks>
internal sealed class AppKeyIndex
{
    private readonly FrozenDictionary<UInt128, (byte[] Digest, AppConfig App)> _apps;

    public AppKeyIndex(IEnumerable<AppConfig> apps)
    {
        var map = new Dictionary<UInt128, (byte[], AppConfig)>();
        foreach (var app in apps)
        {
            if (string.IsNullOrEmpty(app.ApiKey))
            {
                continue;
            }

            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(app.ApiKey));
            map[ToKey(digest)] = (digest, app);
        }

        _apps = map.ToFrozenDictionary();
    }

    public AppConfig? Find(ReadOnlySpan<char> presentedKey)
    {
        if (presentedKey.IsEmpty || presentedKey.Length > 4096)
        {
            return null;
        }

        var byteCount = Encoding.UTF8.GetByteCount(presentedKey);
        byte[]? rented = null;
        var bytes = byteCount <= 512 ? stackalloc byte[byteCount] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(byteCount)).AsSpan(0, byteCount);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Encoding.UTF8.GetBytes(presentedKey, bytes);
        SHA256.HashData(bytes, digest);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }

        return _apps.TryGetValue(ToKey(digest), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Digest, digest)
            ? entry.App
            : null;
    }

    private static UInt128 ToKey(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
}
