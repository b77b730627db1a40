using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ModelRouter.Configuration;

/// <summary>App keys: generation, and the SHA-256 hash that is all stores and the router keep of them.</summary>
internal static class AppKeys
{
    /// <summary>What a stored hash starts with, naming its algorithm.</summary>
    public const string HashPrefix = "sha256:";

    /// <summary>The shortest plaintext key accepted from configuration or an import.</summary>
    public const int MinimumLength = 8;

    /// <summary>The prefix of generated keys, so that secret scanners and people can tell them apart.</summary>
    private const string GeneratedPrefix = "mr-";

    /// <summary>Generates a key of 256 random bits: <c>mr-</c> and 43 base64url characters.</summary>
    public static string Generate() => GeneratedPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Hashes a plaintext key into its stored form.</summary>
    public static string Hash(string key) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Reads a stored hash into <paramref name="digest"/> (32 bytes); <see langword="false"/> when it is not one.</summary>
    public static bool TryReadHash(string? hash, Span<byte> digest)
    {
        if (hash is null || hash.Length != HashPrefix.Length + (2 * SHA256.HashSizeInBytes) || !hash.StartsWith(HashPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        return Convert.FromHexString(hash.AsSpan(HashPrefix.Length), digest, out _, out var written) == OperationStatus.Done && written == SHA256.HashSizeInBytes;
    }

    /// <summary>Replaces a plaintext key by its hash; an app without one is returned as it is.</summary>
    public static AppConfig HashPlaintext(AppConfig app)
        => string.IsNullOrEmpty(app.ApiKey) ? app : app with { ApiKey = "", ApiKeyHash = Hash(app.ApiKey) };

    /// <summary>Tells whether the app has a key (plaintext or hashed).</summary>
    public static bool HasKey(AppConfig app) => !string.IsNullOrEmpty(app.ApiKey) || !string.IsNullOrEmpty(app.ApiKeyHash);
}
