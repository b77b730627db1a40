using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ModelRouter.Storage;

/// <summary>
/// Encrypts the LLM secrets a SQL store writes with ASP.NET Core Data Protection, under the purpose
/// <see cref="StoredSecrets.Purpose"/>; the key ring is wherever the host configures Data Protection to keep it.
/// </summary>
internal sealed class DataProtectionStoredSecrets(IDataProtectionProvider provider) : IStoredSecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector(StoredSecrets.Purpose);

    public string Protect(string secret) => StoredSecrets.Prefix + _protector.Protect(secret);

    public string Unprotect(string stored) => _protector.Unprotect(stored[StoredSecrets.Prefix.Length..]);

    /// <summary>Registers Data Protection (the host's own settings, such as PersistKeysToFileSystem, still apply) and this protector.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddDataProtection();
        services.TryAddSingleton<IStoredSecretProtector>(sp => new DataProtectionStoredSecrets(sp.GetRequiredService<IDataProtectionProvider>()));
    }
}
