namespace ModelRouter.Storage;

/// <summary>
/// Encrypts the secrets a SQL store writes (LLM keys and header values) and decrypts them as it reads; the store
/// packages implement it with ASP.NET Core Data Protection.
/// </summary>
internal interface IStoredSecretProtector
{
    /// <summary>Encrypts a secret into text that starts with <see cref="StoredSecrets.Prefix"/>.</summary>
    string Protect(string secret);

    /// <summary>Decrypts what <see cref="Protect"/> made.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The keys it was encrypted with are not available, or the text was altered.</exception>
    string Unprotect(string stored);
}

/// <summary>How encrypted secrets look in a stored document.</summary>
internal static class StoredSecrets
{
    /// <summary>What an encrypted value starts with; a value without it was written in the clear by an earlier version.</summary>
    public const string Prefix = "dp1:";

    /// <summary>The Data Protection purpose of the LLM secrets of the stores.</summary>
    public const string Purpose = "ModelRouter.Storage.LlmSecrets.v1";

    public static bool IsProtected(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);
}
