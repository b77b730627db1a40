using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.IntegrationTests.Streaming;

/// <summary>Streams that break after they started, and clients that leave, over real HTTP.</summary>
[TestFixture]
public sealed class StreamingTests
{
    private const string AppKey = "streaming-app-key-1";
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);

    private readonly HttpClient _noDrainClient = new(new SocketsHttpHandler { MaxResponseDrainSize = 0, UseCookies = false });
    private TaskCompletionSource _cut = NewSignal();
    private TaskCompletionSource _upstreamAborted = NewSignal();
    private FakeVendor _endsEarly = null!;
    private FakeVendor _aborts = null!;
    private FakeVendor _endless = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // Sends one event, then ends the response without [DONE].
        _endsEarly = await FakeVendor.StartAsync("ends-early", async (context, request) =>
        {
            await FakeVendor.StartStreamAsync(context);
            await FakeVendor.WriteEventAsync(context, FakeVendor.Chunk(request.Model, "first ", null));
        });

        // Sends one event, then drops the connection when the test says so (after the client has the headers).
        _aborts = await FakeVendor.StartAsync("aborts", async (context, request) =>
        {
            await FakeVendor.StartStreamAsync(context);
            await FakeVendor.WriteEventAsync(context, FakeVendor.Chunk(request.Model, "first ", null));
            await _cut.Task.WaitAsync(s_deadline);
            context.Abort();
        });

        // Sends one event, then waits until the router cancels the call.
        _endless = await FakeVendor.StartAsync("endless", async (context, request) =>
        {
            await FakeVendor.StartStreamAsync(context);
            await FakeVendor.WriteEventAsync(context, FakeVendor.Chunk(request.Model, "first ", null));
            try
            {
                await Task.Delay(s_deadline, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                _upstreamAborted.TrySetResult();
            }
        });

        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm(_endsEarly).Llm(_aborts).Llm(_endless)
            .Router("ends-early", RouterSettings.Vendor("ends-early"))
            .Router("aborts", RouterSettings.Vendor("aborts"))
            .Router("endless", RouterSettings.Vendor("endless"))
            .App("streaming", AppKey, "*"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _noDrainClient.Dispose();
        await _router.DisposeAsync();
        await _endsEarly.DisposeAsync();
        await _aborts.DisposeAsync();
        await _endless.DisposeAsync();
    }

    [SetUp]
    public void ResetSignals()
    {
        _cut = NewSignal();
        _upstreamAborted = NewSignal();
    }

    [TestCase("ends-early")]
    [TestCase("aborts")]
    public async Task Stream_VendorCutsAfterFirstEvent_ClientGetsFinalErrorEvent(string slug)
    {
        using var timeout = new CancellationTokenSource(s_deadline);
        using var request = StreamRequest(slug);
        using var response = await _router.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { slug }));

        _cut.TrySetResult();
        var text = await response.Content.ReadAsStringAsync(timeout.Token);

        var events = Sse.DataOf(text);
        Assert.That(events, Has.Count.EqualTo(2), text);
        using (var first = JsonDocument.Parse(events[0]))
        {
            Assert.That(first.RootElement.GetProperty("object").GetString(), Is.EqualTo("chat.completion.chunk"));
        }

        var error = ErrorEnvelope.AssertBody(events[^1]);
        Assert.That(error.Type, Is.EqualTo("upstream_error"));
        Assert.That(error.Code, Is.EqualTo("stream_interrupted"));
        Assert.That(text, Does.Not.Contain("[DONE]"));
    }

    [Test]
    public async Task Stream_ClientLeavesAfterFirstEvent_UpstreamCallIsCancelled()
    {
        using var timeout = new CancellationTokenSource(s_deadline);
        using (var request = StreamRequest("endless"))
        using (var response = await _noDrainClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[256];
            Assert.That(await body.ReadAsync(buffer, timeout.Token), Is.GreaterThan(0), "the first event arrived");
        }

        await _upstreamAborted.Task.WaitAsync(s_deadline);
        Assert.That(_upstreamAborted.Task.IsCompletedSuccessfully, Is.True);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HttpRequestMessage StreamRequest(string slug)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.Address, $"router/{slug}/v1/chat/completions"))
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        return request;
    }
}
