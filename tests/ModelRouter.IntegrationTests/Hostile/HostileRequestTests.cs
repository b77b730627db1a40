using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using static ModelRouter.IntegrationTests.Hostile.HostileGateway;

namespace ModelRouter.IntegrationTests.Hostile;

/// <summary>
/// Hostile requests below the JSON: bodies far over the limit with and without <c>Content-Length</c>, wrong content types,
/// control, bidi and encoded traversal in slugs, bodies and headers that trickle in, and thousands of idle connections.
/// Every answer is a refusal in the right envelope within <see cref="HostileGateway.ExchangeBound"/>, and the gateway
/// keeps serving.
/// </summary>
[TestFixture]
public sealed class HostileRequestTests
{
    private const string AdminRouters = "/admin/routers";

    private FakeVendor _vendor = null!;
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await StartVendorAsync();
        _host = await StartAsync(_vendor);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [TearDown]
    public Task StillServes() => AssertStillServesAsync(_host);

    [TestCase("/router/hostile/v1/chat/completions", false)]
    [TestCase("/router/hostile/v1/chat/completions", true)]
    [TestCase(AdminRouters, false)]
    [TestCase(AdminRouters, true)]
    public async Task Post_BodyFarOverTheLimit_413SoonAndMemoryBounded(string path, bool chunked)
    {
        // 64 MiB offered against a limit of 256 KiB: refused once the limit is passed, without reading or keeping the rest.
        const long Offered = 64L * 1024 * 1024;
        var stopwatch = Stopwatch.StartNew();
        var allocated = GC.GetTotalAllocatedBytes();
        using var timeout = new CancellationTokenSource(ExchangeBound);
        await using var connection = await RawHttpConnection.OpenAsync(_host.Port, timeout.Token);
        var framing = chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {Number(Offered)}\r\n";
        await connection.SendAsync(Head(path, framing), timeout.Token);
        var answer = connection.ReadResponseAsync(cancellationToken: timeout.Token);
        var block = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
        var chunk = chunked ? [.. Encoding.ASCII.GetBytes($"{block.Length:x}\r\n"), .. block, .. "\r\n"u8.ToArray()] : block;
        for (long sent = 0; sent < Offered && !answer.IsCompleted; sent += block.Length)
        {
            try
            {
                await connection.SendAsync(chunk, timeout.Token);
            }
            catch (IOException)
            {
                break; // The server answered and closed.
            }
        }

        var response = await answer;
        AssertRefused(path, response, 413);
        Assert.That(stopwatch.Elapsed, Is.LessThan(ExchangeBound));
        Assert.That(GC.GetTotalAllocatedBytes() - allocated, Is.LessThan(32L * 1024 * 1024), "allocated while refusing 64 MiB");
    }

    [TestCase("/router/hostile/v1/chat/completions")]
    [TestCase(AdminRouters)]
    public async Task Post_DeclaredLengthOverTheLimit_413BeforeTheBody(string path)
    {
        using var timeout = new CancellationTokenSource(ExchangeBound);
        await using var connection = await RawHttpConnection.OpenAsync(_host.Port, timeout.Token);
        await connection.SendAsync(Head(path, $"Content-Length: {Number(long.MaxValue / 2)}\r\n"), timeout.Token);

        AssertRefused(path, await connection.ReadResponseAsync(cancellationToken: timeout.Token), 413);
    }

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("multipart/form-data; boundary=x")]
    [TestCase("application/xml")]
    [TestCase("image/png")]
    public async Task Post_WrongContentType_415(string contentType)
    {
        const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

        var chat = await PostAsync(_host, ChatPath, Body, contentType);
        var admin = await PostAsync(_host, AdminRouters, """{"slug":"content-type","pools":[]}""", contentType);

        Refusal.AssertChat(chat.Status, chat.ContentType, chat.Body, [415], contentType);
        Refusal.AssertAdmin(admin.Status, admin.ContentType, admin.Body, [415], contentType);
    }

    [TestCase("application/json; charset=utf-8")]
    [TestCase("Application/JSON")]
    [TestCase("application/vnd.api+json")]
    [TestCase(null)]
    public async Task Post_JsonOrNoContentType_Served(string? contentType)
    {
        var (status, _, body) = await PostAsync(_host, ChatPath, """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", contentType);

        Assert.That(status, Is.EqualTo(200), body);
    }

    [TestCase("%00")]
    [TestCase("%E2%80%AE")]
    [TestCase("hostile%E2%80%8F")]
    [TestCase("%1B%5B31m")]
    [TestCase("..")]
    [TestCase("%2e%2e")]
    [TestCase("..%2Fadmin%2Frouters")]
    [TestCase("%2e%2e%2f%2e%2e%2fadmin%2fllms")]
    [TestCase("..%5C..%5Cadmin")]
    [TestCase("hostile%2F..%2Fliteral")]
    [TestCase("*")]
    [TestCase("host%2Aile")]
    public async Task Chat_HostileSlug_404OrClientError(string slug)
    {
        var (status, contentType, body) = await PostAsync(_host, $"/router/{slug}/v1/chat/completions", """{"model":"gpt-4o","messages":[]}""");

        // Either the endpoint refuses the slug in its envelope (404 unknown router), or routing never reaches it: then the
        // server's own 404/400 has no body at all. Never a router's answer.
        Assert.That(status, Is.AnyOf(400, 404), body);
        if (body.Length > 0)
        {
            Refusal.AssertChat(status, contentType, body, [404], slug);
        }
    }

    [TestCase("%00")]
    [TestCase("%E2%80%AE")]
    [TestCase("..")]
    [TestCase("%2e%2e")]
    [TestCase("..%2Fllms")]
    [TestCase("%2e%2e%2fllms%2fsteady")]
    [TestCase("hostile%2F..%2F..%2Fllms")]
    [TestCase("*")]
    public async Task Admin_HostileSlug_404OrClientError(string slug)
    {
        using var get = await _host.SendAdminAsync(HttpMethod.Get, $"/routers/{slug}");
        using var delete = await _host.SendAdminAsync(HttpMethod.Delete, $"/routers/{slug}");

        foreach (var response in new[] { get, delete })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.That((int)response.StatusCode, Is.AnyOf(400, 404, 405), body);
            if (body.Length > 0)
            {
                Refusal.AssertAdmin((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, [400, 404, 405], slug);
            }
        }

        using var llm = await _host.SendAdminAsync(HttpMethod.Get, "/llms/steady");
        Assert.That(llm.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the LLM is still there");
    }

    [TestCase("/router/hostile/v1/chat/completions")]
    [TestCase(AdminRouters)]
    public async Task Post_BodyOneByteASecond_408WithinTheGrace(string path)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(ExchangeBound);
        await using var connection = await RawHttpConnection.OpenAsync(_host.Port, timeout.Token);
        await connection.SendAsync(Head(path, "Content-Length: 100\r\n"), timeout.Token);
        var answer = connection.ReadResponseAsync(cancellationToken: timeout.Token);
        while (!answer.IsCompleted)
        {
            try
            {
                await connection.SendAsync("{"u8.ToArray(), timeout.Token);
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(answer, Task.Delay(1000, timeout.Token));
        }

        AssertRefused(path, await answer, 408);
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a 2 s grace at 240 B/s");
    }

    [Test]
    public async Task Connect_HeadersOneByteEvery300Ms_ConnectionEndedWithinTheHeadersTimeout()
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(ExchangeBound);
        await using var connection = await RawHttpConnection.OpenAsync(_host.Port, timeout.Token);
        var head = Encoding.ASCII.GetBytes(Head(ChatPath, "Content-Length: 2\r\n"));
        var answer = connection.ReadResponseAsync(cancellationToken: timeout.Token);
        var ended = false;
        for (var i = 0; i < head.Length && !answer.IsCompleted; i++)
        {
            try
            {
                await connection.SendAsync([head[i]], timeout.Token);
            }
            catch (IOException)
            {
                ended = true;
                break;
            }

            await Task.WhenAny(answer, Task.Delay(300, timeout.Token));
        }

        try
        {
            var response = await answer;
            Assert.That(response.Status, Is.EqualTo(408), "Kestrel answers a headers timeout with 408");
        }
        catch (IOException)
        {
            ended = true;
        }

        Assert.That(ended || answer.IsCompletedSuccessfully, Is.True);
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "headers timeout 1 s");
    }

    [Test]
    public async Task Connect_TwoThousandIdleConnections_NormalRequestStillServed()
    {
        const int Idle = 2000;
        var sockets = new List<Socket>(Idle);
        try
        {
            for (var i = 0; i < Idle; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, _host.Port);
            }

            // A fresh client (its own connection), with every idle socket still open.
            using var client = new HttpClient { BaseAddress = _host.Address, Timeout = ExchangeBound };
            var stopwatch = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, ChatPath.TrimStart('/'))
            {
                Content = new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", AppKey);
            using var response = await client.SendAsync(request);

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private static string Head(string path, string framing)
        => $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {(path.StartsWith("/admin", StringComparison.Ordinal) ? RouterHost.AdminKey : AppKey)}\r\nContent-Type: application/json\r\n{framing}\r\n";

    private static void AssertRefused(string path, RawHttpResponse response, int status)
    {
        response.Headers.TryGetValue("Content-Type", out var contentType);
        if (path.StartsWith("/admin", StringComparison.Ordinal))
        {
            Refusal.AssertAdmin(response.Status, contentType, response.Body, [status], path);
        }
        else
        {
            Refusal.AssertChat(response.Status, contentType, response.Body, [status], path);
        }
    }
}
