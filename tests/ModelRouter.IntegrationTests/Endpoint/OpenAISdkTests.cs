using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.Endpoint;

/// <summary>The official OpenAI .NET SDK as the client of a router on real Kestrel, with fake vendors on loopback.</summary>
[TestFixture]
public sealed class OpenAISdkTests
{
    private const string AppKey = "sdk-app-key-0001";
    private static readonly string[] s_tokens = [.. Enumerable.Range(0, 20).Select(i => $"t{i}")];

    private FakeVendor _vendor = null!;
    private FakeVendor _tokens = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await FakeVendor.StartAsync("main");
        _tokens = await FakeVendor.StartAsync("tokens", (context, request) => FakeVendor.AnswerAsync(context, request, string.Join(' ', s_tokens)));
        var refusedPort = LoopbackApp.RefusedPort();
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm(_vendor)
            .Llm(_tokens)
            .Llm("refused", $"http://127.0.0.1:{refusedPort}/v1", "llm-key-refused")
            .Router("main", RouterSettings.Vendor("main", ("gpt-4o", "vendor-large"), ("meta-llama/llama-3.1-8b", "llama3.1:8b")))
            .Router("tokens", RouterSettings.Vendor("tokens"))
            .Router("down", RouterSettings.Vendor("refused"))
            .Router("hidden", RouterSettings.Vendor("main"))
            .App("sdk", AppKey, "main", "tokens", "down"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _vendor.DisposeAsync();
        await _tokens.DisposeAsync();
    }

    [Test]
    public async Task CompleteChatAsync_ThroughRouter_ReturnsVendorAnswer()
    {
        var headers = new ResponseHeaders();
        var client = _router.ChatClient("main", AppKey, "gpt-4o-mini", headers);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello")]);

        Assert.That(completion.Content[0].Text, Is.EqualTo("reply from main"));
        Assert.That(completion.FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(completion.Model, Is.EqualTo("gpt-4o-mini"), "an unmapped model passes as is");
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("main"));
        Assert.That(headers["x-model-router-attempts"], Is.EqualTo("1"));
    }

    [Test]
    public async Task CompleteChatStreamingAsync_ThroughRouter_StreamsVendorAnswer()
    {
        var headers = new ResponseHeaders();
        var client = _router.ChatClient("main", AppKey, "gpt-4o-mini", headers);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.That(text.ToString().TrimEnd(), Is.EqualTo("reply from main"));
        Assert.That(finish, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("main"));
        Assert.That(headers["content-type"], Does.StartWith("text/event-stream"));
    }

    [TestCase(false, "gpt-4o", "vendor-large")]
    [TestCase(true, "gpt-4o", "vendor-large")]
    [TestCase(false, "meta-llama/llama-3.1-8b", "llama3.1:8b")]
    [TestCase(true, "meta-llama/llama-3.1-8b", "llama3.1:8b")]
    public async Task CompleteChat_MappedModel_VendorGetsTargetModel(bool streaming, string requested, string target)
    {
        var client = _router.ChatClient("main", AppKey, requested);
        var before = _vendor.Requests.Count;

        var answeredModel = streaming ? await StreamModelAsync(client) : (await client.CompleteChatAsync([new UserChatMessage("map me")])).Value.Model;

        var got = _vendor.Requests.Skip(before).Single();
        Assert.That(got.Model, Is.EqualTo(target));
        Assert.That(got.Stream, Is.EqualTo(streaming));
        Assert.That(got.LastUserText, Is.EqualTo("map me"));
        Assert.That(answeredModel, Is.EqualTo(target), "the vendor's answer passes back untouched");
    }

    [Test]
    public async Task CompleteChatStreamingAsync_ManyEvents_ArriveInOrderAndComplete()
    {
        var client = _router.ChatClient("tokens", AppKey, "gpt-4o");
        var received = new List<string>();
        var updates = 0;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("count")]))
        {
            updates++;
            received.AddRange(update.ContentUpdate.Select(p => p.Text.Trim()));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.That(received, Is.EqualTo(s_tokens));
        Assert.That(updates, Is.EqualTo(s_tokens.Length + 2), "one update per event, then the finish and the usage the SDK asks for");
        Assert.That(usage?.OutputTokenCount, Is.EqualTo(s_tokens.Length));
        Assert.That(finish, Is.EqualTo(ChatFinishReason.Stop));
    }

    [Test]
    public async Task GetModelsAsync_ThroughRouter_ListsTheNamesTheAppCanAskFor()
    {
        var client = _router.ModelClient("main", AppKey);

        var models = (await client.GetModelsAsync()).Value;

        Assert.That(models.Select(m => m.Id), Is.EqualTo(new[] { "gpt-4o", "meta-llama/llama-3.1-8b" }), "the mapping sources; the '*' pattern names nothing");
        Assert.That(models.Select(m => m.OwnedBy), Is.All.EqualTo("modelrouter"));
    }

    [Test]
    public void GetModelsAsync_RouterNotAllowedOrUnknownKey_SdkSeesTheChatEndpointsErrors()
    {
        var forbidden = Assert.ThrowsAsync<ClientResultException>(() => _router.ModelClient("hidden", AppKey).GetModelsAsync());
        var unknown = Assert.ThrowsAsync<ClientResultException>(() => _router.ModelClient("main", "not-the-key-123").GetModelsAsync());

        Assert.That(forbidden!.Status, Is.EqualTo(403));
        Assert.That(unknown!.Status, Is.EqualTo(401));
        Assert.That(unknown.Message, Does.Contain("app key"));
    }

    [Test]
    public async Task CompleteChatAsync_UnknownAppKey_SdkSees401()
    {
        var client = _router.ChatClient("main", "not-the-key-123", "gpt-4o");

        var error = Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.That(error!.Status, Is.EqualTo(401));
        Assert.That(error.Message, Does.Contain("app key"));
    }

    [Test]
    public async Task CompleteChatAsync_RouterNotAllowed_SdkSees403()
    {
        var client = _router.ChatClient("hidden", AppKey, "gpt-4o");

        var error = Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.That(error!.Status, Is.EqualTo(403));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task CompleteChat_UnknownRouter_SdkSees404(bool streaming)
    {
        var client = _router.ChatClient("nope", AppKey, "gpt-4o");

        var error = Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            if (streaming)
            {
                await StreamModelAsync(client);
            }
            else
            {
                await client.CompleteChatAsync([new UserChatMessage("hi")]);
            }
        });

        Assert.That(error!.Status, Is.EqualTo(404));
        Assert.That(error.Message, Does.Contain("router_not_found"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task CompleteChat_OnlyVendorRefusesConnections_SdkSees502(bool streaming)
    {
        var client = _router.ChatClient("down", AppKey, "gpt-4o");

        var error = Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            if (streaming)
            {
                await StreamModelAsync(client);
            }
            else
            {
                await client.CompleteChatAsync([new UserChatMessage("hi")]);
            }
        });

        Assert.That(error!.Status, Is.EqualTo(502));
        Assert.That(error.Message, Does.Contain("vendors_failed").And.Not.Contain("127.0.0.1"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_BodyOverDefaultLimitOverRealHttp_Returns413(bool chunked)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o","messages":[],"pad":"{{new string('x', 4 * 1024 * 1024)}}"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "router/main/v1/chat/completions")
        {
            Content = chunked ? new StreamContent(new NonSeekableStream(body)) : new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(json.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("request_too_large"));
    }

    private static async Task<string?> StreamModelAsync(ChatClient client)
    {
        string? model = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("map me")]))
        {
            model ??= update.Model;
        }

        return model;
    }

    /// <summary>A stream whose length is unknown, so that the body goes chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
