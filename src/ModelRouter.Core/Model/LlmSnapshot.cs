using ModelRouter.Configuration;
using ModelRouter.Health;

namespace ModelRouter.Model;

/// <summary>A compiled LLM: its configuration, endpoint, timeouts and health; <see cref="LlmConfig.Provider"/> names the adapter that speaks its protocol.</summary>
public sealed class LlmSnapshot
{
    internal LlmSnapshot(LlmConfig config, LlmHealth? health = null)
    {
        Config = config;
        Health = health ?? new LlmHealth(config.Id, LlmHealthSettings.Default, TimeProvider.System);
        BaseUri = new Uri(config.BaseUrl.EndsWith('/') ? config.BaseUrl : config.BaseUrl + "/", UriKind.Absolute);
        HeadersTimeout = TimeSpan.FromSeconds(config.TimeoutSeconds);
        ConnectTimeout = TimeSpan.FromSeconds(config.ConnectTimeoutSeconds);
        StreamIdleTimeout = TimeSpan.FromSeconds(config.StreamIdleTimeoutSeconds);
    }

    /// <summary>Gets the LLM's configuration.</summary>
    public LlmConfig Config { get; }

    /// <summary>Gets the LLM's identifier.</summary>
    public string Id => Config.Id;

    /// <summary>Gets the base URL, always ending in <c>/</c>.</summary>
    public Uri BaseUri { get; }

    internal LlmHealth Health { get; }

    /// <summary>Gets this LLM's entry in the trail header when it served: <c>{id}=ok</c>, made once.</summary>
    internal string ServedTrailEntry => _servedTrailEntry ??= Id + "=ok";

    /// <summary>Gets the longest wait for a new connection.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>Gets the longest wait for response headers of one attempt.</summary>
    public TimeSpan HeadersTimeout { get; }

    /// <summary>Gets the longest silence allowed between two chunks of a stream.</summary>
    public TimeSpan StreamIdleTimeout { get; }

    /// <summary>Gets what masks this LLM's key and configured header values in what its vendor wrote; made on first use, then shared by every request.</summary>
    internal SecretScrubber Secrets => _secrets ??= SecretScrubber.For(Config);

    /// <inheritdoc/>
    public override string ToString() => Id;

    /// <summary>
    /// Masks this LLM's key and configured header values (and any long enough start of them) in a text its vendor wrote,
    /// such as an error message, before it goes on to a client, an exception or a log.
    /// </summary>
    /// <returns><paramref name="text"/> with every secret replaced by <c>********</c>; the same instance when it holds none.</returns>
    /// <remarks>Values shorter than 8 characters are not treated as secrets. Mask before cutting a text to a length limit.</remarks>
    public string? ScrubSecrets(string? text) => Secrets.Scrub(text);

    /// <summary>Resolves <paramref name="relative"/> against <see cref="BaseUri"/>, reusing the last result for the same path.</summary>
    /// <remarks>Adapters ask for the same endpoint on every request; a <see cref="Uri"/> is immutable, so one instance serves all of them.</remarks>
    internal Uri Resolve(string relative)
    {
        var last = Volatile.Read(ref _resolved);
        if (last is not null && string.Equals(last.Relative, relative, StringComparison.Ordinal))
        {
            return last.Uri;
        }

        var uri = new Uri(BaseUri, relative);
        Volatile.Write(ref _resolved, new ResolvedUri(relative, uri));
        return uri;
    }

    private ResolvedUri? _resolved;
    private SecretScrubber? _secrets;
    private string? _servedTrailEntry;

    private sealed record ResolvedUri(string Relative, Uri Uri);
}
