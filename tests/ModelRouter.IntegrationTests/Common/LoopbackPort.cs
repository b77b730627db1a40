using System.Net;
using System.Net.Sockets;

namespace ModelRouter.IntegrationTests.Common;

internal static class LoopbackPort
{
    /// <summary>A loopback port nothing listens on: bound by the system, read, then released.</summary>
    public static int Refused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
