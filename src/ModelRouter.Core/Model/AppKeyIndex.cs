using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>Looks up client apps by key without keeping or comparing the keys themselves in variable time.</summary>
/// <remarks>
/// Keys are stored as SHA-256 digests; a lookup hashes the presented key and confirms it with a fixed-time comparison.
/// Keys that were verified that way are remembered in a small fixed-size table (<see cref="CacheSlots"/> slots, one
/// key each, a newer key overwriting an older one in its slot), so that a client sending the same key again skips the
/// hash. A slot is picked by the process's randomized string hash and confirmed with a fixed-time comparison whose
/// duration depends only on the remembered key, never on how much of it the presented key matches. Only valid keys
/// are remembered, so invalid keys can neither fill nor evict the table; it lives and dies with the snapshot, so a
/// key removed by a reload is forgotten with it.
/// </remarks>
internal sealed class AppKeyIndex
{
    /// <summary>The number of verified keys remembered (a power of two).</summary>
    internal const int CacheSlots = 64;

    private readonly FrozenDictionary<UInt128, (byte[] Digest, AppConfig App)> _apps;
    private readonly VerifiedKey?[] _verified = new VerifiedKey?[CacheSlots];

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

        var slot = string.GetHashCode(presentedKey) & (CacheSlots - 1);
        if (Volatile.Read(ref _verified[slot]) is { } remembered && remembered.Matches(presentedKey))
        {
            return remembered.App;
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

        if (_apps.TryGetValue(ToKey(digest), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Digest, digest))
        {
            Volatile.Write(ref _verified[slot], new VerifiedKey(presentedKey.ToString(), entry.App));
            return entry.App;
        }

        return null;
    }

    private static UInt128 ToKey(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);

    /// <summary>A key that was verified against its digest, and its app.</summary>
    private sealed class VerifiedKey(string key, AppConfig app)
    {
        public AppConfig App { get; } = app;

        /// <summary>Compares in time that depends on the remembered key's length only.</summary>
        public bool Matches(ReadOnlySpan<char> presented)
        {
            var remembered = MemoryMarshal.AsBytes(key.AsSpan());
            var sameLength = presented.Length == key.Length;

            // A presented key of another length is replaced by the remembered one, so the comparison still runs in full.
            var other = sameLength ? MemoryMarshal.AsBytes(presented) : remembered;
            return CryptographicOperations.FixedTimeEquals(remembered, other) & sameLength;
        }
    }

    /// <summary>Tells whether <paramref name="app"/> may call the router <paramref name="slug"/> (its list names it, or <c>*</c>).</summary>
    public static bool Allows(AppConfig app, string slug)
    {
        // Indexed, not foreach: enumerating an IReadOnlyList boxes an enumerator on every request.
        var routers = app.Routers;
        for (var i = 0; i < routers.Count; i++)
        {
            var allowed = routers[i];
            if (allowed == "*" || string.Equals(allowed, slug, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
