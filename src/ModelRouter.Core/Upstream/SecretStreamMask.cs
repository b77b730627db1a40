using ModelRouter.Model;

namespace ModelRouter.Upstream;

/// <summary>
/// Masks an LLM's secrets in a stream the router passes on, chunk by chunk and in place: every byte of a secret becomes
/// <c>*</c>, so a chunk keeps its length and nothing is held back to wait for the next one.
/// </summary>
/// <remarks>
/// Within a chunk, what <see cref="SecretScrubber"/> masks is masked: each secret, and each run of at least
/// <see cref="SecretScrubber.MinPrefixLength"/> of its leading bytes. A secret cut by chunk boundaries is masked in every
/// chunk after the first, and in the first too when that chunk ends with at least <see cref="SecretScrubber.MinSecretLength"/>
/// of its bytes: at most its first 7 bytes pass, and only when it straddles a boundary. The price of not waiting is that
/// a chunk ending with 8 or more leading bytes of a secret has them masked even if the secret does not follow. Matching is
/// on the raw bytes: a secret the vendor writes with JSON escapes (<c>\u0073k-...</c>) is not recognized.
/// </remarks>
internal readonly struct SecretStreamMask
{
    private readonly SecretScrubber? _secrets;
    private readonly int[]? _carried;

    /// <summary>Creates the mask of one stream; it masks nothing when <paramref name="secrets"/> is empty.</summary>
    public SecretStreamMask(SecretScrubber secrets)
    {
        if (!secrets.IsEmpty)
        {
            _secrets = secrets;
            _carried = new int[secrets.Count];
        }
    }

    /// <summary>Masks the next chunk of the stream in place.</summary>
    public void Mask(Span<byte> chunk)
    {
        if (_secrets is not null && !chunk.IsEmpty)
        {
            _secrets.MaskChunk(chunk, _carried!);
        }
    }
}
