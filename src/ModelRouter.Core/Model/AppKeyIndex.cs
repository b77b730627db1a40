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
/// key removed by a reload (a rotation, a revocation) is forgotten with it.
/// An app has up to two keys: its current one and, during a rotation's grace period, the one it replaced; the match
/// says which; the caller checks the grace period and the app's own state.
/// </remarks>
internal sealed class AppKeyIndex
{
    /// <summary>The number of verified keys remembered (a power of two).</summary>
    internal const int CacheSlots = 64;

    private readonly FrozenDictionary<UInt128, (byte[] Digest, AppKeyMatch Match)> _apps;
    private readonly FrozenDictionary<string, AppConfig> _byName;
    private readonly VerifiedKey?[] _verified = new VerifiedKey?[CacheSlots];

    public AppKeyIndex(IEnumerable<AppConfig> apps)
    {
        var map = new Dictionary<UInt128, (byte[], AppKeyMatch)>();
        var byName = new Dictionary<string, AppConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var app in apps)
        {
            byName.TryAdd(app.Name, app);
            if (!string.IsNullOrEmpty(app.ApiKey))
            {
                Add(SHA256.HashData(Encoding.UTF8.GetBytes(app.ApiKey)), new AppKeyMatch(app, Previous: false));
            }
            else if (Read(app.ApiKeyHash) is { } current)
            {
                Add(current, new AppKeyMatch(app, Previous: false));
            }

            if (Read(app.PreviousApiKeyHash) is { } previous && app.PreviousApiKeyExpiresAt is not null)
            {
                Add(previous, new AppKeyMatch(app, Previous: true));
            }
        }

        _apps = map.ToFrozenDictionary();
        _byName = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

        void Add(byte[] digest, AppKeyMatch match) => map.TryAdd(ToKey(digest), (digest, match));

        static byte[]? Read(string? hash)
        {
            var digest = new byte[SHA256.HashSizeInBytes];
            return AppKeys.TryReadHash(hash, digest) ? digest : null;
        }
    }

    /// <summary>Finds an app by name (case-insensitive), for a caller the host authenticated itself.</summary>
    public AppConfig? FindByName(string name) => _byName.GetValueOrDefault(name);

    public AppKeyMatch? Find(ReadOnlySpan<char> presentedKey)
    {
        if (presentedKey.IsEmpty || presentedKey.Length > 4096)
        {
            return null;
        }

        var slot = string.GetHashCode(presentedKey) & (CacheSlots - 1);
        if (Volatile.Read(ref _verified[slot]) is { } remembered && remembered.Matches(presentedKey))
        {
            return remembered.Match;
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
            Volatile.Write(ref _verified[slot], new VerifiedKey(presentedKey.ToString(), entry.Match));
            return entry.Match;
        }

        return null;
    }

    private static UInt128 ToKey(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);

    /// <summary>A key that was verified against its digest, and its app.</summary>
    private sealed class VerifiedKey(string key, AppKeyMatch match)
    {
        public AppKeyMatch Match { get; } = match;

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

/// <summary>The app a key belongs to, and whether it is the key a rotation replaced (valid only until the app's <see cref="AppConfig.PreviousApiKeyExpiresAt"/>).</summary>
internal readonly record struct AppKeyMatch(AppConfig App, bool Previous);
