using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelRouter.Testing;

/// <summary>What came back on a raw connection: the status, the headers (names case-insensitive) and the decoded body.</summary>
internal sealed record RawHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// One HTTP/1.1 exchange written by hand over a socket to 127.0.0.1, for framing that no <see cref="HttpClient"/> sends
/// (both <c>Content-Length</c> and <c>Transfer-Encoding</c>, a body cut short, a body that trickles in).
/// </summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _received = new();

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttpConnection> OpenAsync(int port, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        return new RawHttpConnection(client);
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken)
        => await SendAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>Ends the request side (a FIN), leaving the response side open.</summary>
    public void EndSending() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one response: headers, then a body framed by <c>Content-Length</c>, chunks, or the end of the connection.</summary>
    /// <param name="headRequest">The request was a HEAD: no body follows the headers, whatever they say.</param>
    /// <exception cref="IOException">The connection ended before a whole response arrived.</exception>
    public async Task<RawHttpResponse> ReadResponseAsync(bool headRequest = false, CancellationToken cancellationToken = default)
    {
        int headerEnd;
        while ((headerEnd = IndexOf(_received.GetBuffer().AsSpan(0, (int)_received.Length), "\r\n\r\n"u8)) < 0)
        {
            await ReceiveAsync(required: true, cancellationToken);
        }

        var head = Encoding.ASCII.GetString(_received.GetBuffer(), 0, headerEnd).Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var bodyStart = headerEnd + 4;
        if (headRequest || status is 204 or 304 or < 200)
        {
            return new RawHttpResponse(status, headers, "");
        }

        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            var total = bodyStart + int.Parse(length, CultureInfo.InvariantCulture);
            while (_received.Length < total)
            {
                await ReceiveAsync(required: true, cancellationToken);
            }

            body = _received.GetBuffer()[bodyStart..total];
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunksAsync(bodyStart, cancellationToken);
        }
        else
        {
            while (await ReceiveAsync(required: false, cancellationToken))
            {
            }

            body = _received.GetBuffer()[bodyStart..(int)_received.Length];
        }

        return new RawHttpResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _received.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadChunksAsync(int start, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        var position = start;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf(_received.GetBuffer().AsSpan(position, (int)_received.Length - position), "\r\n"u8)) < 0)
            {
                await ReceiveAsync(required: true, cancellationToken);
            }

            var size = int.Parse(Encoding.ASCII.GetString(_received.GetBuffer(), position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            while (_received.Length < position + size + 2)
            {
                await ReceiveAsync(required: true, cancellationToken);
            }

            if (size == 0)
            {
                return body.ToArray();
            }

            body.Write(_received.GetBuffer(), position, size);
            position += size + 2;
        }
    }

    /// <summary>Receives what is there; returns <see langword="false"/> at the end of the stream, or throws then when more was required.</summary>
    private async Task<bool> ReceiveAsync(bool required, CancellationToken cancellationToken)
    {
        var buffer = new byte[8 * 1024];
        var read = await _stream.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            return required ? throw new IOException($"The server closed the connection after {_received.Length} bytes, before a whole response.") : false;
        }

        _received.Write(buffer, 0, read);
        return true;
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}
