using System.Net.Sockets;

namespace ModelRouter.Forwarding;

/// <summary>
/// Opens upstream TCP connections with the connect timeout of the LLM whose request asked for the connection,
/// so that one slow-to-accept vendor fails over quickly without a host-wide setting.
/// </summary>
internal static class UpstreamConnector
{
    /// <summary>The request option that carries the LLM's connect timeout to <see cref="ConnectAsync"/>.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> ConnectTimeout = new("ModelRouter.ConnectTimeout");

    /// <summary>The connect timeout when a request carries none.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(Configuration.LlmConfig.DefaultConnectTimeoutSeconds);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that honours <see cref="ConnectTimeout"/>.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var timeout = context.InitialRequestMessage.Options.TryGetValue(ConnectTimeout, out var configured) ? configured : DefaultConnectTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, deadline.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"No connection within {timeout.TotalSeconds:0.###} s.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
