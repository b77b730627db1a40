using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using static ModelRouter.IntegrationTests.Hostile.HostileGateway;

namespace ModelRouter.IntegrationTests.Hostile;

/// <summary>
/// Vendors that attack the router: an endless stream, one event of hundreds of megabytes without a newline, an endless
/// or hugely declared body, a gzip bomb. Each is bounded: the router reads at most <c>maxResponseBodyBytes</c> (16 MiB,
/// the default) of one answer or one event, never decompresses, relays a stream without keeping it, and cancels the
/// vendor when its client leaves. The client gets a 502 in the envelope (or, mid-stream, an error event), within
/// <see cref="HostileGateway.ExchangeBound"/>, allocating at most <see cref="MaxAllocated"/>, and the gateway keeps serving.
/// </summary>
[TestFixture]
public sealed class HostileVendorTests
{
    /// <summary>
    /// The most the whole process may allocate for one hostile answer: four times the 16 MiB limit (the router's buffer
    /// grows by doubling, from the pool, up to the limit) and 8 MiB more; what the vendor sends beyond the limit costs nothing.
    /// </summary>
    private const long MaxAllocated = (4 * 16 + 8) * 1024L * 1024;

    private static readonly byte[] s_filler = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
    private static readonly byte[] s_event = Encoding.UTF8.GetBytes("data: " + FakeVendor.Chunk("m", "tick ", null) + "\n\n");

    private FakeVendor _steady = null!;
    private FakeVendor _hostile = null!;
    private RouterHost _host = null!;
    private byte[] _bomb = null!;
    private TaskCompletionSource _vendorLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<HttpContext, Task> _attack = _ => Task.CompletedTask;
    private long _vendorSent;

    [OneTimeSetUp]
    public async Task Start()
    {
        // 256 MiB of zeros, about 256 KiB compressed.
        using (var compressed = new MemoryStream())
        {
            using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var zeros = new byte[1024 * 1024];
                for (var i = 0; i < 256; i++)
                {
                    gzip.Write(zeros);
                }
            }

            _bomb = compressed.ToArray();
        }

        _steady = await StartVendorAsync();
        _hostile = await FakeVendor.StartAsync("attacker", async (context, _) =>
        {
            try
            {
                await _attack(context);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                // The router closed the connection while the vendor was still sending: it read no further.
                _vendorLeft.TrySetResult();
            }
            finally
            {
                if (context.RequestAborted.IsCancellationRequested)
                {
                    _vendorLeft.TrySetResult();
                }
            }
        });
        // Every case must reach the attacker: its failures add up across cases, so the breaker must not cool it.
        _host = await StartAsync(_steady, settings => settings
            .Setting("failureThreshold", 1000)
            .Llm(_hostile)
            .Router("attacked", RouterSettings.Vendor(_hostile.Name)));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _hostile.DisposeAsync();
        await _steady.DisposeAsync();
    }

    [SetUp]
    public void Reset()
    {
        _vendorLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _vendorSent = 0;
    }

    [TearDown]
    public Task StillServes() => AssertStillServesAsync(_host);

    [Test]
    public async Task Stream_VendorNeverEnds_RelayedWithoutGrowthAndCancelledWhenTheClientLeaves()
    {
        _attack = async context =>
        {
            await FakeVendor.StartStreamAsync(context);
            while (true)
            {
                await context.Response.Body.WriteAsync(s_event, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        };
        var allocated = GC.GetTotalAllocatedBytes();
        using var timeout = new CancellationTokenSource(ExchangeBound);
        using var request = Chat(stream: true);
        using (var response = await _host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[64 * 1024];
            long received = 0;
            while (received < 32L * 1024 * 1024)
            {
                var read = await body.ReadAsync(buffer, timeout.Token);
                Assert.That(read, Is.GreaterThan(0), "the endless stream goes on");
                received += read;
            }
        }

        // The client left: the router cancels the vendor's request instead of reading on.
        await _vendorLeft.Task.WaitAsync(ExchangeBound);
        Assert.That(GC.GetTotalAllocatedBytes() - allocated, Is.LessThan(MaxAllocated), "allocated while relaying 32 MiB");
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task VendorSendsHundredsOfMegabytesWithoutANewline_502Bounded(bool stream)
    {
        _attack = async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = stream ? "text/event-stream" : "application/json";
            await context.Response.Body.WriteAsync("data: {\"x\":\""u8.ToArray(), context.RequestAborted);
            for (var sent = 0L; sent < 400L * 1024 * 1024; sent += s_filler.Length)
            {
                await context.Response.Body.WriteAsync(s_filler, context.RequestAborted);
                Interlocked.Add(ref _vendorSent, s_filler.Length);
            }
        };

        // What the vendor sends after the router has read its limit and closed is not the router's to bound: over loopback
        // the fake vendor's writes into the closed connection complete, so only the router's side is asserted.
        await AssertBoundedRefusalAsync(stream, vendorCut: false);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task VendorSendsAGzipBomb_502WithoutDecompressing(bool stream)
    {
        _attack = async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = stream ? "text/event-stream" : "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = _bomb.Length;
            await context.Response.Body.WriteAsync(_bomb, context.RequestAborted);
        };

        await AssertBoundedRefusalAsync(stream, vendorCut: false);
    }

    [Test]
    public async Task VendorDeclaresAHugeContentLength_502AtOnce()
    {
        _attack = async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1L << 40;
            await context.Response.Body.WriteAsync(s_filler, context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };

        await AssertBoundedRefusalAsync(stream: false, vendorCut: true);
    }

    /// <param name="stream">Whether the client asks for a stream.</param>
    /// <param name="vendorCut">Whether the vendor was still sending, so that the router must have closed its connection.</param>
    private async Task AssertBoundedRefusalAsync(bool stream, bool vendorCut)
    {
        var stopwatch = Stopwatch.StartNew();
        var allocated = GC.GetTotalAllocatedBytes();
        using var timeout = new CancellationTokenSource(ExchangeBound);
        using var request = Chat(stream);
        using var response = await _host.Client.SendAsync(request, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);

        Refusal.AssertChat((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, [502], "hostile vendor");
        Assert.That(stopwatch.Elapsed, Is.LessThan(ExchangeBound));
        Assert.That(GC.GetTotalAllocatedBytes() - allocated, Is.LessThan(MaxAllocated));
        if (vendorCut)
        {
            var left = await Task.WhenAny(_vendorLeft.Task, Task.Delay(ExchangeBound)) == _vendorLeft.Task;
            Assert.That(left, Is.True, $"the router closed the vendor's connection (the vendor had sent {Interlocked.Read(ref _vendorSent) / (1024 * 1024)} MiB)");
        }
    }

    private static HttpRequestMessage Chat(bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "router/attacked/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"gpt-4o","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        return request;
    }
}
