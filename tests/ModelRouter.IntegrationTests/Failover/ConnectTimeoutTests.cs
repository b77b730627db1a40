using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelRouter.IntegrationTests.Failover;

/// <summary>A vendor that never accepts the connection fails over within its own connect timeout, not its headers timeout.</summary>
public class ConnectTimeoutTests
{
    private const string AppKey = "connect-timeout-app-key";
    private readonly List<TcpClient> _backlogFillers = [];
    private TcpListener _stuck = null!;
    private FakeVendor _healthy = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // A listener that never accepts, with its accept queue filled: further SYNs to it go unanswered.
        _stuck = new TcpListener(IPAddress.Loopback, 0);
        _stuck.Start(backlog: 1);
        var port = ((IPEndPoint)_stuck.LocalEndpoint).Port;
        for (var i = 0; i < 64; i++)
        {
            var client = new TcpClient();
            using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token);
                _backlogFillers.Add(client);
            }
            catch (OperationCanceledException)
            {
                client.Dispose();
                break;
            }
        }

        _healthy = await FakeVendor.StartAsync("healthy-after-stuck");
        var settings = new RouterSettings()
            .Llm("stuck", $"http://127.0.0.1:{port}/v1", "llm-key-stuck", timeoutSeconds: 120, connectTimeoutSeconds: 0.5)
            .Llm(_healthy)
            .Router("connect", RouterSettings.Vendor("stuck"), RouterSettings.Vendor(_healthy.Name))
            .App("connect", AppKey, "*");
        _router = await RouterHost.StartAsync(settings);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _healthy.DisposeAsync();
        foreach (var client in _backlogFillers)
        {
            client.Dispose();
        }

        _stuck.Stop();
        _stuck.Dispose();
    }

    [Test]
    public async Task Post_VendorNeverAcceptsConnection_FailsOverWithinConnectTimeout()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/connect/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", AppKey);

        // The stuck vendor's headers timeout is 120 s: only its 0.5 s connect timeout can make this answer in time.
        using var response = await _router.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { _healthy.Name }));
        Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "2" }));
    }
}
