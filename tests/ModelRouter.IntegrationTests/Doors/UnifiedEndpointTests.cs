using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ModelRouter.AspNetCore;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace ModelRouter.IntegrationTests.Doors;

/// <summary>
/// The unified endpoint (<c>MapModelRouter(o => o.UnifiedEndpoint = true)</c>) over real HTTP: <c>model</c> is
/// <c>{router}/{model}</c>, and the request is routed as the router's own URL would route it.
/// </summary>
[TestFixture]
public sealed class UnifiedEndpointTests
{
    private const string AppKey = "unified-app-key-01";
    private const string NarrowKey = "unified-narrow-key-01";

    private FakeVendor _first = null!;
    private FakeVendor _second = null!;
    private FakeVendor _claude = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _first = await FakeVendor.StartAsync("first");
        _second = await FakeVendor.StartAsync("second");
        _claude = await FakeVendor.StartAsync("claude");
        var settings = new RouterSettings()
            .Llm(_first).Llm(_second)
            .Llm("claude", _claude.Address.ToString(), FakeVendor.AnthropicApiKey, provider: "anthropic")
            .Router("alpha", RouterSettings.Vendor("first", ("gpt-4o", "first-gpt"), ("text-embedding-3-small", "first-emb")))
            .Router("beta", RouterSettings.Vendor("second", ("gpt-4o", "second-gpt")))
            .Router("claude", RouterSettings.Vendor("claude", ("sonnet", "claude-3-opus-20240229")))
            .App("everything", AppKey, "*")
            .App("narrow", NarrowKey, "beta");
        _router = await RouterHost.StartAsync(settings, configureEndpoint: o => o.UnifiedEndpoint = true);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _claude.DisposeAsync();
    }

    [TestCase("alpha", "first", "first-gpt")]
    [TestCase("beta", "second", "second-gpt")]
    public async Task CompleteChat_SlugSlashModel_RoutesAsTheRoutersOwnUrl(string slug, string vendor, string sent)
    {
        var unifiedHeaders = new ResponseHeaders();
        var slugHeaders = new ResponseHeaders();

        ChatCompletion unified = await UnifiedChat($"{slug}/gpt-4o", unifiedHeaders).CompleteChatAsync([new UserChatMessage("hi")]);
        ChatCompletion direct = await _router.ChatClient(slug, AppKey, "gpt-4o", slugHeaders).CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.That(unified.Content[0].Text, Is.EqualTo($"reply from {vendor}"));
        Assert.That(unified.Content[0].Text, Is.EqualTo(direct.Content[0].Text));
        Assert.That(unifiedHeaders["x-model-router-vendor"], Is.EqualTo(vendor));
        Assert.That(unifiedHeaders["x-model-router-trail"], Is.EqualTo(slugHeaders["x-model-router-trail"]));
        var fake = vendor == "first" ? _first : _second;
        var requests = fake.Requests.TakeLast(2).ToArray();
        Assert.That(requests.Select(r => r.Model), Is.EqualTo(new[] { sent, sent }), "the vendor gets the same mapped model either way");
    }

    [Test]
    public async Task CompleteChatStreaming_UnmappedModel_VendorGetsTheModelWithoutTheRouter()
    {
        var text = new StringBuilder();
        await foreach (var update in UnifiedChat("beta/gpt-4o-mini").CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.That(text.ToString().TrimEnd(), Is.EqualTo("reply from second"));
        Assert.That(_second.Requests.Last().Model, Is.EqualTo("gpt-4o-mini"));
    }

    [Test]
    public async Task GenerateEmbeddings_SlugSlashModel_RoutesToTheRouter()
    {
        var client = new EmbeddingClient("alpha/text-embedding-3-small", new ApiKeyCredential(AppKey), Options());

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello");

        Assert.That(embedding.ToFloats().Length, Is.EqualTo(3));
        Assert.That(_first.Requests.Last().Model, Is.EqualTo("first-emb"));
    }

    [Test]
    public async Task Messages_SlugSlashModel_PassesThroughToTheAnthropicVendor()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"claude/sonnet","max_tokens":32,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", AppKey);

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-vendor").Single(), Is.EqualTo("claude"));
        Assert.That(_claude.Requests.Last().Body, Is.EqualTo("""{"model":"claude-3-opus-20240229","max_tokens":32,"messages":[{"role":"user","content":"Hi"}]}"""));
    }

    [Test]
    public async Task GetModels_ListsSlugSlashNameForEveryRouterTheAppMayCall()
    {
        var all = await new OpenAIModelClient(new ApiKeyCredential(AppKey), Options()).GetModelsAsync();
        var narrow = await new OpenAIModelClient(new ApiKeyCredential(NarrowKey), Options()).GetModelsAsync();

        Assert.That(all.Value.Select(m => m.Id), Is.EqualTo(new[] { "alpha/gpt-4o", "alpha/text-embedding-3-small", "beta/gpt-4o", "claude/sonnet" }));
        Assert.That(narrow.Value.Select(m => m.Id), Is.EqualTo(new[] { "beta/gpt-4o" }));
    }

    [TestCase("gpt-4o", HttpStatusCode.BadRequest)]
    [TestCase("/gpt-4o", HttpStatusCode.BadRequest)]
    [TestCase("alpha/", HttpStatusCode.BadRequest)]
    [TestCase("nope/gpt-4o", HttpStatusCode.NotFound)]
    public async Task Chat_BadRouterPrefix_AnswersInTheEnvelope(string model, HttpStatusCode status)
    {
        using var response = await PostChatAsync(model, AppKey);

        var error = await ErrorEnvelope.AssertAsync(response, status);
        Assert.That(error.Param, Is.EqualTo(status == HttpStatusCode.BadRequest ? "model" : null));
        Assert.That(error.Message, Does.Contain(status == HttpStatusCode.BadRequest ? "{router}/{model}" : "nope"));
    }

    [Test]
    public async Task Chat_RouterTheAppMayNotCall_Answers403()
    {
        using var response = await PostChatAsync("alpha/gpt-4o", NarrowKey);

        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Chat_NoAppKey_Answers401BeforeReadingTheModel()
    {
        using var response = await PostChatAsync("gpt-4o", null);

        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task UnifiedEndpoint_IsOffUnlessTheHostMapsIt()
    {
        await using var plain = await RouterHost.StartAsync(new RouterSettings().Llm(_first).Router("alpha", RouterSettings.Vendor("first")).App("everything", AppKey, "*"));
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"alpha/gpt-4o","messages":[]}""", Encoding.UTF8, "application/json"),
        };

        using var response = await plain.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private Task<HttpResponseMessage> PostChatAsync(string model, string? appKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(new JsonObject { ["model"] = model, ["messages"] = new JsonArray() }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (appKey is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", appKey);
        }

        return _router.Client.SendAsync(request);
    }

    private ChatClient UnifiedChat(string model, ResponseHeaders? headers = null)
    {
        var options = Options();
        if (headers is not null)
        {
            options.AddPolicy(headers, PipelinePosition.PerCall);
        }

        return new ChatClient(model, new ApiKeyCredential(AppKey), options);
    }

    private OpenAIClientOptions Options() => new()
    {
        Endpoint = new Uri(_router.Address, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(30),
    };
}
