using System.Net;
using System.Net.Sockets;

namespace ModelRouter.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of the test PostgreSQL server that can be switched off and on: off, its port is
/// closed (a connect is refused) and every connection it carried is cut, as when the server goes down; on, it forwards
/// byte for byte. Lets a test see "down, then up" without touching the shared server.
/// </summary>
internal sealed class LoopbackTcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private LoopbackTcpProxy(int port, IPEndPoint target)
    {
        Port = port;
        _target = target;
    }

    /// <summary>Gets the proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Creates a proxy that starts switched off: its port is free and closed.</summary>
    public static LoopbackTcpProxy CreateDown(string targetHost, int targetPort)
    {
        return new LoopbackTcpProxy(LoopbackApp.RefusedPort(), new IPEndPoint(IPAddress.Parse(targetHost), targetPort));
    }

    /// <summary>Opens the port and forwards every connection to the target.</summary>
    public void Up()
    {
        lock (_lock)
        {
            if (_listener is not null)
            {
                return;
            }

            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _accepting = AcceptAsync(listener);
        }
    }

    /// <summary>Closes the port and cuts every connection it carried.</summary>
    public async Task DownAsync()
    {
        TcpListener? listener;
        TcpClient[] open;
        Task accepting;
        lock (_lock)
        {
            listener = _listener;
            _listener = null;
            open = [.. _open];
            _open.Clear();
            accepting = _accepting;
        }

        listener?.Stop();
        foreach (var client in open)
        {
            try
            {
                // Reset, as the host of a crashed server would. The pipe may be closing it at the same moment.
                client.Client?.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                // Already closed.
            }

            client.Dispose();
        }

        await accepting;
    }

    public async ValueTask DisposeAsync() => await DownAsync();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Switched off.
            }

            _ = PipeAsync(inbound);
        }
    }

    private async Task PipeAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_lock)
        {
            if (_listener is null)
            {
                inbound.Dispose();
                outbound.Dispose();
                return;
            }

            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(_target);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Cut by DownAsync or by either side.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_lock)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }
}
