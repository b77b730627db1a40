using System.Net;
using System.Net.Sockets;
using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>
/// Where the router may send a vendor's key: the host settings' allow-list of upstream hosts, and the addresses it never
/// connects to unless told: link-local and cloud metadata endpoints always (a request there can read the machine's cloud
/// credentials), loopback when <see cref="ModelRouterOptions.AllowLoopbackUpstreams"/> is off.
/// </summary>
/// <remarks>
/// Checked twice: when an LLM is saved (its URL's host, an IP literal or one of the well-known metadata names) and when a
/// connection is opened (every address the host name resolved to), so that a name that resolves to a refused address,
/// now or after a DNS change, is refused as well.
/// </remarks>
internal sealed class UpstreamHostPolicy
{
    /// <summary>The policy of default settings: any host, loopback allowed, link-local and metadata refused.</summary>
    public static readonly UpstreamHostPolicy Default = new([], allowLinkLocal: false, allowLoopback: true);

    /// <summary>Host names that name a cloud's instance metadata service (GCP, AWS).</summary>
    private static readonly HashSet<string> s_metadataNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
    };

    /// <summary>AWS's IPv6 instance metadata address.</summary>
    private static readonly IPAddress s_awsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Alibaba Cloud's metadata address, outside the link-local range.</summary>
    private static readonly IPAddress s_alibabaMetadata = IPAddress.Parse("100.100.100.200");

    private readonly string[] _exactHosts;
    private readonly string[] _suffixes;
    private readonly bool _allowLinkLocal;
    private readonly bool _allowLoopback;

    /// <param name="allowedHosts">Host names or IP literals; <c>*.example.com</c> allows every subdomain of example.com (not example.com itself). Empty allows any host.</param>
    /// <param name="allowLinkLocal">Whether link-local and cloud metadata addresses are allowed.</param>
    /// <param name="allowLoopback">Whether loopback addresses are allowed.</param>
    public UpstreamHostPolicy(IEnumerable<string> allowedHosts, bool allowLinkLocal, bool allowLoopback)
    {
        var entries = allowedHosts.Select(h => Normalize(h.Trim())).Where(h => h.Length > 0).ToArray();
        _exactHosts = [.. entries.Where(h => !h.StartsWith("*.", StringComparison.Ordinal))];
        _suffixes = [.. entries.Where(h => h.StartsWith("*.", StringComparison.Ordinal)).Select(h => h[1..])];
        _allowLinkLocal = allowLinkLocal;
        _allowLoopback = allowLoopback;
    }

    /// <summary>Gets the policy of the given host settings.</summary>
    public static UpstreamHostPolicy From(ModelRouterOptions options)
        => options.AllowedUpstreamHosts.Count == 0 && !options.AllowLinkLocalUpstreams && options.AllowLoopbackUpstreams
            ? Default
            : new(options.AllowedUpstreamHosts, options.AllowLinkLocalUpstreams, options.AllowLoopbackUpstreams);

    /// <summary>Gets a value indicating whether an allow-list is in force.</summary>
    public bool HasAllowList => _exactHosts.Length + _suffixes.Length > 0;

    /// <summary>Tells why the router may not send to <paramref name="uri"/>'s host, from what is known without DNS; <see langword="null"/> when it may.</summary>
    public string? RefusalOf(Uri uri)
    {
        var host = Normalize(uri.IdnHost);
        if (!IsAllowedHost(host))
        {
            return $"host '{host}' is not in allowedUpstreamHosts";
        }

        if (s_metadataNames.Contains(host) && !_allowLinkLocal)
        {
            return $"host '{host}' is a cloud metadata endpoint; set allowLinkLocalUpstreams to allow it";
        }

        return IPAddress.TryParse(host, out var address) ? RefusalOf(address) : null;
    }

    /// <summary>Tells why the router may not connect to <paramref name="address"/>; <see langword="null"/> when it may.</summary>
    public string? RefusalOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (!_allowLinkLocal && IsLinkLocalOrMetadata(address))
        {
            return $"{address} is a link-local or cloud metadata address; set allowLinkLocalUpstreams to allow it";
        }

        if (!_allowLoopback && (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            return $"{address} is a loopback address and allowLoopbackUpstreams is off";
        }

        return null;
    }

    /// <summary>Tells whether the allow-list (if any) lets the router send to <paramref name="host"/>.</summary>
    public bool IsAllowedHost(string host)
    {
        if (!HasAllowList)
        {
            return true;
        }

        host = Normalize(host);
        foreach (var exact in _exactHosts)
        {
            if (string.Equals(exact, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var suffix in _suffixes)
        {
            // ".example.com": a subdomain of any depth, never the bare domain or "badexample.com".
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tells whether an allow-list entry is well formed: a host name, an IP literal, or <c>*.</c> and a host name.</summary>
    public static bool IsValidEntry(string? entry)
    {
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        var host = entry.Trim();
        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            host = host[2..];
        }

        return IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) == UriHostNameType.Dns;
    }

    private static bool IsLinkLocalOrMetadata(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            return (bytes[0] == 169 && bytes[1] == 254) || address.Equals(s_alibabaMetadata);
        }

        return address.IsIPv6LinkLocal || address.Equals(s_awsMetadataV6);
    }

    /// <summary>Lower-cases nothing (comparisons ignore case) but drops brackets of an IPv6 literal and a final dot.</summary>
    private static string Normalize(string host)
    {
        if (host.Length > 1 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        return host.EndsWith('.') ? host[..^1] : host;
    }
}
