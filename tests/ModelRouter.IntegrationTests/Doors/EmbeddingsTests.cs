using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using OpenAI.Embeddings;

namespace ModelRouter.IntegrationTests.Doors;

/// <summary>
/// <c>POST /router/{slug}/v1/embeddings</c> over real HTTP: the official OpenAI SDK's embedding client through a router,
/// the body passed through with the mapped model, failover on the same classification as chat, and Anthropic LLMs passed
/// over (they serve no embeddings). Every case has its own router, so that round-robin starts at the first vendor.
/// </summary>
[TestFixture]
public sealed class EmbeddingsTests
{
    private const string AppKey = "embeddings-app-key-01";

    private FakeVendor _fails500 = null!;
    private FakeVendor _fails429 = null!;
    private FakeVendor _rejects400 = null!;
    private FakeVendor _healthy = null!;
    private FakeVendor _spare = null!;
    private FakeVendor _claude = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _fails500 = await FakeVendor.StartAsync("fails-500", (context, _) =>
            FakeVendor.JsonAsync(context, 500, FakeVendor.Error("internal failure", "server_error", null, null)));
        _fails429 = await FakeVendor.StartAsync("fails-429", (context, _) =>
        {
            context.Response.Headers.RetryAfter = "20";
            return FakeVendor.JsonAsync(context, StatusCodes.Status429TooManyRequests, FakeVendor.Error("Rate limit reached", "requests", null, "rate_limit_exceeded"));
        });
        _rejects400 = await FakeVendor.StartAsync("rejects-400", (context, _) =>
            FakeVendor.JsonAsync(context, 400, FakeVendor.Error("This model's maximum context length is 8192 tokens.", "invalid_request_error", "input", null)));
        _healthy = await FakeVendor.StartAsync("healthy");
        _spare = await FakeVendor.StartAsync("spare");
        _claude = await FakeVendor.StartAsync("claude");
        var settings = new RouterSettings()
            .Llm(_fails500).Llm(_fails429).Llm(_rejects400).Llm(_healthy).Llm(_spare)
            .Llm("refused", $"http://127.0.0.1:{LoopbackApp.RefusedPort()}/v1", "llm-key-refused")
            .Llm("claude", _claude.Address.ToString(), FakeVendor.AnthropicApiKey, provider: "anthropic")
            .Router("mapped", RouterSettings.Vendor("healthy", ("text-embedding-3-small", "emb-small-v2")))
            .Router("on-500", RouterSettings.Vendor("fails-500"), RouterSettings.Vendor("healthy"))
            .Router("on-429", RouterSettings.Vendor("fails-429"), RouterSettings.Vendor("healthy"))
            .Router("on-refused", RouterSettings.Vendor("refused"), RouterSettings.Vendor("healthy"))
            .Router("on-400", RouterSettings.Vendor("rejects-400"), RouterSettings.Vendor("spare"))
            .Router("claude-first", RouterSettings.Vendor("claude"), RouterSettings.Vendor("healthy"))
            .Router("claude-only", RouterSettings.Vendor("claude"));
        _router = await RouterHost.StartAsync(settings.App("embedder", AppKey, "*"));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        foreach (var vendor in new[] { _fails500, _fails429, _rejects400, _healthy, _spare, _claude })
        {
            await vendor.DisposeAsync();
        }
    }

    [Test]
    public async Task GenerateEmbeddings_OfficialSdk_ComesBackThroughTheRouterWithTheMappedModel()
    {
        var before = _healthy.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.EmbeddingClient("mapped", AppKey, "text-embedding-3-small", headers);

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first", "second"], new EmbeddingGenerationOptions { Dimensions = 4 });

        Assert.That(embeddings, Has.Count.EqualTo(2));
        Assert.That(embeddings[0].ToFloats().ToArray(), Is.EqualTo(new[] { 1f, 1.1f, 1.2f, 1.3f }));
        Assert.That(embeddings[1].ToFloats().ToArray(), Is.EqualTo(new[] { 2f, 2.1f, 2.2f, 2.3f }));
        Assert.That(embeddings.Usage.InputTokenCount, Is.EqualTo(5));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("healthy"));
        Assert.That(headers["x-model-router-attempts"], Is.EqualTo("1"));
        Assert.That(headers["x-model-router-trail"], Is.EqualTo("healthy=ok"));
        var sent = _healthy.Requests.Skip(before).Single();
        Assert.That(sent.Path, Is.EqualTo("/v1/embeddings"));
        Assert.That(sent.Model, Is.EqualTo("emb-small-v2"));
        Assert.That(FakeVendor.Get(sent, "input"), Is.EqualTo("""["first","second"]"""));
        Assert.That(FakeVendor.Get(sent, "dimensions"), Is.EqualTo("4"));
        Assert.That(FakeVendor.Get(sent, "encoding_format"), Is.EqualTo("base64"));
        Assert.That(sent.Headers["Authorization"], Is.EqualTo("Bearer llm-key-healthy"));
    }

    [Test]
    public async Task Embeddings_StringInputAndFloatFormat_BodyPassesThroughWithOnlyTheModelMapped()
    {
        var before = _healthy.Requests.Count;
        const string body = """{ "input" : "one text", "model":"text-embedding-3-small","encoding_format":"float", "user":"u-1" }""";

        using var response = await PostAsync("mapped", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(answer["data"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(answer["data"]![0]!["embedding"]!.ToJsonString(), Is.EqualTo("[1,1.1,1.2]"));
        var sent = _healthy.Requests.Skip(before).Single();
        Assert.That(sent.Body, Is.EqualTo("""{ "input" : "one text", "model":"emb-small-v2","encoding_format":"float", "user":"u-1" }"""));
    }

    [TestCase("500")]
    [TestCase("429")]
    [TestCase("refused")]
    public async Task GenerateEmbeddings_FirstVendorFails_SecondVendorAnswers(string failure)
    {
        var healthyBefore = _healthy.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.EmbeddingClient("on-" + failure, AppKey, "text-embedding-3-small", headers);

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello");

        Assert.That(embedding.ToFloats().Length, Is.EqualTo(3));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("healthy"));
        Assert.That(headers["x-model-router-attempts"], Is.EqualTo("2"));
        Assert.That(_healthy.Requests.Count - healthyBefore, Is.EqualTo(1));
    }

    [Test]
    public async Task GenerateEmbeddings_FirstVendorAnswers400_NoFailoverAndErrorPassedThrough()
    {
        var spareBefore = _spare.Requests.Count;
        var headers = new ResponseHeaders();
        var client = _router.EmbeddingClient("on-400", AppKey, "text-embedding-3-small", headers);

        var error = Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("hello"));

        Assert.That(error!.Status, Is.EqualTo(400));
        Assert.That(error.Message, Does.Contain("maximum context length is 8192 tokens"));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("rejects-400"));
        Assert.That(_spare.Requests.Count - spareBefore, Is.Zero);
    }

    [Test]
    public async Task GenerateEmbeddings_AnthropicVendorInThePool_IsNoCandidate()
    {
        var headers = new ResponseHeaders();
        var client = _router.EmbeddingClient("claude-first", AppKey, "text-embedding-3-small", headers);

        OpenAIEmbedding embedding = await client.GenerateEmbeddingAsync("hello");

        Assert.That(embedding.ToFloats().Length, Is.EqualTo(3));
        Assert.That(headers["x-model-router-vendor"], Is.EqualTo("healthy"));
        Assert.That(headers["x-model-router-attempts"], Is.EqualTo("1"), "passing over the Anthropic LLM is no attempt");
        Assert.That(headers["x-model-router-trail"], Is.EqualTo("healthy=ok"));
        Assert.That(_claude.Requests, Is.Empty);
    }

    [Test]
    public async Task Embeddings_PoolOfAnthropicVendorsOnly_Answers400InTheEnvelope()
    {
        using var response = await PostAsync("claude-only", """{"model":"text-embedding-3-small","input":"hello"}""");

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.That((error.Type, error.Code, error.Param), Is.EqualTo(("invalid_request_error", "unsupported_operation", "model")));
        Assert.That(error.Message, Does.Contain("serves embeddings"));
        Assert.That(_claude.Requests, Is.Empty);
    }

    [Test]
    public async Task Embeddings_Get_Answers405WithAllowPost()
    {
        using var response = await _router.Client.GetAsync("/router/mapped/v1/embeddings");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "POST" }));
    }

    private Task<HttpResponseMessage> PostAsync(string slug, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/router/{slug}/v1/embeddings") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AppKey);
        return _router.Client.SendAsync(request);
    }
}
