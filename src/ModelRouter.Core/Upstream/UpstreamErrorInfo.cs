using ModelRouter.Model;

namespace ModelRouter.Upstream;

/// <summary>What a client may see of a vendor's error response.</summary>
/// <param name="Message">A safe message: the vendor's own message when it had one, never the raw body.</param>
/// <param name="Type">The OpenAI error type.</param>
/// <param name="Param">The request field at fault, if the vendor said.</param>
/// <param name="Code">The error code, if the vendor gave one.</param>
public sealed record UpstreamErrorInfo(string Message, string Type, string? Param, string? Code)
{
    /// <summary>Returns this error with <paramref name="secrets"/> masked in each field; the same instance when there are none.</summary>
    internal UpstreamErrorInfo MaskedWith(SecretScrubber secrets)
        => secrets.IsEmpty ? this : new(secrets.Scrub(Message)!, secrets.Scrub(Type)!, secrets.Scrub(Param), secrets.Scrub(Code));
}
