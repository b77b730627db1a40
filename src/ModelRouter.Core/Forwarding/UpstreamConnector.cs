using System.Net;
using System.Net.Sockets;
using ModelRouter.Model;

namespace ModelRouter.Forwarding;

/// <summary>
/// Opens upstream TCP connections: with the connect timeout of the LLM whose request asked for the connection, so that
/// one slow-to-accept vendor fails over quickly without a host-wide setting; and only to hosts the upstream host rules
/// allow, checking every address the host name resolves to, so that DNS cannot lead a vendor key to a metadata endpoint.
/// </summary>
/// <param name="policy">The upstream host rules in force (they follow the host settings as they reload).</param>
internal sealed class UpstreamConnector(Func<UpstreamHostPolicy> policy)
{
    /// <summary>The request option that carries the LLM's connect timeout to <see cref="ConnectAsync"/>.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeout = new("ModelRouter.ConnectTimeout");

    /// <summary>The connect timeout when a request carries none.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(Configuration.LlmConfig.DefaultConnectTimeoutSeconds);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that honours <see cref="ConnectTimeout"/> and the upstream host rules.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeout, out var configured) ? configured : DefaultConnectTimeout;
        var rules = policy();
        var endpoint = context.DnsEndPoint;
        if (!rules.IsAllowedHost(endpoint.Host))
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Host '{endpoint.Host}' is not in allowedUpstreamHosts; the router does not connect to it.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Socket? socket = null;
        try
        {
            var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(endpoint.Host, deadline.Token).ConfigureAwait(false);
            foreach (var address in addresses)
            {
                if (rules.RefusalOf(address) is { } refusal)
                {
                    throw new HttpRequestException(HttpRequestError.ConnectionError, $"Host '{endpoint.Host}' is refused: {refusal}.");
                }
            }

            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(addresses, endpoint.Port, deadline.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"No connection within {timeout.TotalSeconds:0.###} s.", ex);
        }
        catch (SocketException ex) when (socket is null)
        {
            throw new HttpRequestException(HttpRequestError.NameResolutionError, $"Host '{endpoint.Host}' could not be resolved.", ex);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }
}
