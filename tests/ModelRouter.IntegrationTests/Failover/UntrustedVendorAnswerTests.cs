using System.ClientModel;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.Failover;

/// <summary>
/// Vendor answers the router must not relay as they are, over real HTTP: a gzip-compressed event stream (the router
/// never asks for compression) fails over to the next vendor before a byte reaches the client (unless the host's handler
/// decompresses it), and a 400 whose message quotes the LLM's key and configured header back reaches the client with
/// both masked.
/// </summary>
[TestFixture]
public sealed class UntrustedVendorAnswerTests
{
    private const string AppKey = "untrusted-app-key-01";
    private const string EchoKey = "sk-echo-vendor-key-7d6c5b4a";
    private const string EchoOrgToken = "org-echo-token-3e2f1a0b";

    private FakeVendor _gzip = null!;
    private FakeVendor _echo = null!;
    private FakeVendor _healthy = null!;
    private RouterHost _router = null!;
    private RouterHost _decompressingRouter = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _gzip = await FakeVendor.StartAsync("gzip", GzipStreamAsync);
        _echo = await FakeVendor.StartAsync("echo", (context, request) =>
        {
            // A careless vendor: its error quotes the credentials it received, in every field.
            var received = $"Authorization: {request.Headers["Authorization"]}; X-Org-Token: {request.Headers["X-Org-Token"]}";
            return FakeVendor.JsonAsync(context, StatusCodes.Status400BadRequest, FakeVendor.Error("Malformed request. Received " + received, "invalid_request_error", request.Headers["Authorization"], request.Headers["X-Org-Token"]));
        });
        _healthy = await FakeVendor.StartAsync("healthy");
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm(_gzip).Llm(_healthy)
            .Llm("echo", _echo.BaseUrl, EchoKey, headers: new Dictionary<string, string> { ["X-Org-Token"] = EchoOrgToken })
            // One router per case, so that round-robin starts at the vendor under test.
            .Router("on-gzip-sdk", RouterSettings.Vendor("gzip"), RouterSettings.Vendor("healthy"))
            .Router("on-gzip-raw", RouterSettings.Vendor("gzip"), RouterSettings.Vendor("healthy"))
            .Router("on-echo", RouterSettings.Vendor("echo"))
            .App("untrusted", AppKey, "*"));

        // A host whose handler decompresses: it asks for compression itself and removes Content-Encoding from what it decompresses.
        _decompressingRouter = await RouterHost.StartAsync(
            new RouterSettings().Llm(_gzip).Llm(_healthy).Router("on-gzip", RouterSettings.Vendor("gzip"), RouterSettings.Vendor("healthy")).App("untrusted", AppKey, "*"),
            b => b.ConfigureHttpClient(c => c.ConfigurePrimaryHttpMessageHandler((handler, _) => ((SocketsHttpHandler)handler).AutomaticDecompression = DecompressionMethods.All)));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _decompressingRouter.DisposeAsync();
        foreach (var vendor in new[] { _gzip, _echo, _healthy })
        {
            await vendor.DisposeAsync();
        }
    }

    /// <summary>A complete, valid OpenAI stream, gzip-compressed on the wire and flushed event by event, as a compressing proxy would send it.</summary>
    private static async Task GzipStreamAsync(HttpContext context, VendorRequest request)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.ContentEncoding = "gzip";
        await context.Response.StartAsync(context.RequestAborted);
        await using var gzip = new GZipStream(context.Response.Body, CompressionLevel.Fastest, leaveOpen: true);
        for (var i = 0; i < 500; i++)
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("data: " + FakeVendor.Chunk(request.Model, $"compressed {i} ", null) + "\n\n"), context.RequestAborted);
            await gzip.FlushAsync(context.RequestAborted);
        }

        await gzip.WriteAsync("data: [DONE]\n\n"u8.ToArray(), context.RequestAborted);
    }

    [Test]
    public async Task CompleteChatStreaming_VendorSendsGzipEventStream_NextVendorAnswersCleanly()
    {
        var gzipBefore = _gzip.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.ChatClient("on-gzip-sdk", AppKey, "gpt-4o", headers);

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(text.ToString().TrimEnd(), Is.EqualTo("reply from healthy"));
            Assert.That(headers["x-model-router-vendor"], Is.EqualTo("healthy"));
            Assert.That(headers["x-model-router-attempts"], Is.EqualTo("2"));
            var sent = _gzip.Requests.Skip(gzipBefore).Single();
            Assert.That(sent.Headers.Keys, Has.None.EqualTo("Accept-Encoding").IgnoreCase, "the router never asks for compression");
        });
    }

    [Test]
    public async Task CompleteChatStreaming_HostHandlerDecompresses_GzipVendorIsServed()
    {
        var headers = new ResponseHeaders();
        var client = _decompressingRouter.ChatClient("on-gzip", AppKey, "gpt-4o", headers);

        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(text.ToString(), Does.StartWith("compressed 0 compressed 1 ").And.Contain("compressed 499"));
            Assert.That(headers["x-model-router-vendor"], Is.EqualTo("gzip"));
            Assert.That(headers["x-model-router-attempts"], Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task Post_VendorSendsGzipEventStream_ClientGetsOnlyTheNextVendorsEvents()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/on-gzip-raw/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);

        using var response = await _router.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentEncoding, Is.Empty);
            Assert.That(response.Headers.GetValues("x-model-router-attempts").Single(), Is.EqualTo("2"));
            var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.That(events, Has.All.StartWith("data: {\"id\":\"chatcmpl-fake\"").Or.EqualTo("data: [DONE]"), "only well-formed events, no binary and no error event");
            Assert.That(events[^1], Is.EqualTo("data: [DONE]"));
            Assert.That(body, Does.Contain("healthy").And.Not.Contain("compressed"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void CompleteChat_VendorQuotesCredentialsIn400_SdkClientSeesThemMasked(bool streaming)
    {
        var client = _router.ChatClient("on-echo", AppKey, "gpt-4o");

        var error = Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            if (!streaming)
            {
                await client.CompleteChatAsync([new UserChatMessage("hi")]);
                return;
            }

            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            {
                _ = update;
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(error!.Status, Is.EqualTo(400));
            Assert.That(error.Message, Does.Contain("Malformed request. Received Authorization: Bearer ********; X-Org-Token: ********"));
            Assert.That(error.Message, Does.Not.Contain(EchoKey).And.Not.Contain(EchoOrgToken));
            Assert.That(error.GetRawResponse()?.Content.ToString() ?? "", Does.Not.Contain(EchoKey).And.Not.Contain(EchoOrgToken));
        });
    }

    [Test]
    public async Task Post_VendorQuotesCredentialsIn400_RawErrorHasThemMaskedInEveryField()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/on-echo/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);

        using var response = await _router.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body, Does.Not.Contain(EchoKey).And.Not.Contain(EchoOrgToken));
            Assert.That(body, Does.Contain("\"param\":\"Bearer ********\"").And.Contain("\"code\":\"********\""));
            Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.EqualTo("echo"));
        });
    }
}
