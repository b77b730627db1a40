using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Tests;

/// <summary>Every error status of the endpoint, in memory, with the OpenAI envelope; one shared host.</summary>
[TestFixture]
public sealed class ChatCompletionsEndpointTests
{
    private const string AppKey = "team-a-key-0001";
    private const string OtherAppKey = "team-b-key-0002";
    private const int MaxBody = 1024 * 1024;
    private const int OkPort = 5101;
    private const int RefusedPort = 5102;
    private const int GarbagePort = 5103;
    private const int LimitedSlowPort = 5104;
    private const int LimitedFastPort = 5105;
    private const int Reject400Port = 5106;
    private const int Reject422Port = 5107;
    private const int SparePort = 5108;
    private const int SilentPort = 5109;

    private readonly MockVendors _vendors = new();
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
    {
        _vendors.Ok(OkPort, "hello from ok");
        _vendors.Ok(SparePort, "hello from spare");
        _vendors.Refused(RefusedPort);
        _vendors.Garbage(GarbagePort);
        _vendors.Silent(SilentPort);
        _vendors.Status(LimitedSlowPort, HttpStatusCode.TooManyRequests, """{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}""",
            r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)));
        _vendors.Status(LimitedFastPort, HttpStatusCode.TooManyRequests, """{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}""",
            r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)));
        _vendors.Status(Reject400Port, HttpStatusCode.BadRequest,
            """{"error":{"message":"Invalid 'messages': empty array.","type":"invalid_request_error","param":"messages","code":"empty_array"}}""");
        _vendors.Status(Reject422Port, HttpStatusCode.UnprocessableEntity,
            """{"error":{"message":"temperature must be at most 2","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}""");

        _host = await RouterHost.StartInMemoryAsync(o =>
        {
            o.Namespace = "us";
            o.MaxRequestBodyBytes = MaxBody;

            // Cooldowns and the breaker have their own tests; here every case must meet every vendor afresh,
            // so rate-limited vendors are separate LLMs per transport and the breaker stays out of the way.
            o.FailureThreshold = 1000;
            foreach (var (id, port) in new[] { ("ok", OkPort), ("spare", SparePort), ("refused", RefusedPort), ("garbage", GarbagePort),
                ("limited-slow-json", LimitedSlowPort), ("limited-fast-json", LimitedFastPort), ("limited-slow-sse", LimitedSlowPort), ("limited-fast-sse", LimitedFastPort), ("reject-400", Reject400Port), ("reject-422", Reject422Port) })
            {
                o.Llms.Add(new LlmConfig { Id = id, BaseUrl = MockVendors.Url(port), ApiKey = "llm-key-" + id });
            }

            o.Llms.Add(new LlmConfig { Id = "silent", BaseUrl = MockVendors.Url(SilentPort), ApiKey = "llm-key-silent", TimeoutSeconds = 0.2 });

            o.Routers.Add(Router("main", Pool("gpt", "gpt-*", Vendor("ok"))));
            o.Routers.Add(Router("inactive", Pool("all", "*", Vendor("ok"))) with { Active = false });
            o.Routers.Add(Router("eu-only", Pool("all", "*", Vendor("ok"))) with { Namespaces = ["eu"] });
            o.Routers.Add(Router("us-only", Pool("all", "*", Vendor("ok"))) with { Namespaces = ["eu", "us"] });
            o.Routers.Add(Router("secret", Pool("all", "*", Vendor("ok"))));
            o.Routers.Add(Router("deadline", Pool("all", "*", Vendor("silent"))));
            o.Routers.Add(Router("empty", Pool("all", "*", Vendor("ok") with { Active = false }, Vendor("spare") with { Weight = 0 })));
            foreach (var mode in new[] { "json", "sse" })
            {
                // One router per transport, so that round-robin starts at the first vendor in each test.
                o.Routers.Add(Router("failing-" + mode, Pool("all", "*", Vendor("refused"), Vendor("garbage"))));
                o.Routers.Add(Router("timeout-" + mode, Pool("all", "*", Vendor("refused"), Vendor("silent"))));
                o.Routers.Add(Router("limited-" + mode, Pool("all", "*", Vendor("limited-slow-" + mode), Vendor("limited-fast-" + mode))));
                o.Routers.Add(Router("reject-400-" + mode, Pool("all", "*", Vendor("reject-400"), Vendor("spare"))));
                o.Routers.Add(Router("reject-422-" + mode, Pool("all", "*", Vendor("reject-422"), Vendor("spare"))));
            }

            o.Apps.Add(new AppConfig { Name = "team-a", ApiKey = AppKey, Routers = ["main", "inactive", "eu-only", "us-only", "empty",
                "failing-json", "failing-sse", "timeout-json", "timeout-sse", "limited-json", "limited-sse", "reject-400-json", "reject-400-sse", "reject-422-json", "reject-422-sse", "deadline"] });
            o.Apps.Add(new AppConfig { Name = "team-b", ApiKey = OtherAppKey, Routers = ["*"] });
        }, _vendors.Handler, configureHost: b => b.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
    }

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    [TestCase("{not json", null)]
    [TestCase("{\"model\":\"gpt-4o\",", null)]
    [TestCase("[{\"model\":\"gpt-4o\"}]", null)]
    [TestCase("\"gpt-4o\"", null)]
    [TestCase("42", null)]
    [TestCase("", null)]
    [TestCase("{\"model\":\"gpt-4o\"} trailing", null)]
    [TestCase("{\"messages\":[]}", "model")]
    [TestCase("{\"model\":42,\"messages\":[]}", "model")]
    [TestCase("{\"model\":null}", "model")]
    [TestCase("{\"model\":[\"gpt-4o\"]}", "model")]
    [TestCase("{\"model\":\"\",\"messages\":[]}", "model")]
    public async Task Post_MalformedBody_Returns400(string body, string? param)
    {
        using var response = await PostAsync("main", body);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
        Assert.That(error.Param, Is.EqualTo(param));
    }

    [TestCase(new byte[] { 0xFF }, TestName = "Post_ModelNotValidText_Returns400NamingModel(raw 0xFF)")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "Post_ModelNotValidText_Returns400NamingModel(UTF-8 of a surrogate)")]
    [TestCase(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0' }, TestName = "Post_ModelNotValidText_Returns400NamingModel(lone surrogate escape)")]
    public async Task Post_ModelNotValidText_Returns400NamingModel(byte[] bad)
    {
        byte[] body = [.. "{\"model\":\"gpt"u8, .. bad, .. "4o\",\"messages\":[]}"u8];
        var logs = _host.Services.GetFakeLogCollector();
        logs.Clear();
        var before = _vendors.Calls.Count;
        using var request = Request("main", "");
        request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
        Assert.That(error.Param, Is.EqualTo("model"));
        Assert.That(error.Message, Does.Contain("UTF-8"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before));
        Assert.That(logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => r.Message), Is.Empty);
    }

    [Test]
    public async Task Post_NoAuthorizationHeader_Returns401()
    {
        using var response = await PostAsync("main", Body("gpt-4o"), key: null);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(error.Type, Is.EqualTo("authentication_error"));
        Assert.That(error.Code, Is.EqualTo("invalid_api_key"));
        Assert.That(error.Message, Does.Contain("Authorization: Bearer"), "over HTTP the caller hears where the key goes");
    }

    [TestCase("Bearer not-a-known-key")]
    [TestCase("Basic dGVhbS1hLWtleS0wMDAx")]
    [TestCase("Bearer ")]
    public async Task Post_UnknownOrNonBearerKey_Returns401(string authorization)
    {
        using var request = Request("main", Body("gpt-4o"), key: null);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.That(error.Code, Is.EqualTo("invalid_api_key"));
        Assert.That(error.Message, Does.Not.Contain("not-a-known-key"));
    }

    [Test]
    public async Task Post_UnknownKeyForUnknownRouter_Returns401BeforeRevealingRouters()
    {
        using var response = await PostAsync("nope", Body("gpt-4o"), key: "not-a-known-key");

        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Post_RouterNotInAppsList_Returns403()
    {
        var before = _vendors.Calls.Count;

        using var response = await PostAsync("secret", Body("gpt-4o"));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.Forbidden);
        Assert.That(error.Type, Is.EqualTo("permission_error"));
        Assert.That(error.Code, Is.EqualTo("router_not_allowed"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before), "no vendor is called for a forbidden router");
    }

    [Test]
    public async Task Post_RouterAllowedByWildcard_Returns200()
    {
        using var response = await PostAsync("secret", Body("gpt-4o"), key: OtherAppKey);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("nope")]
    [TestCase("inactive")]
    [TestCase("eu-only")]
    public async Task Post_RouterUnknownInactiveOrInOtherNamespace_Returns404(string slug)
    {
        using var response = await PostAsync(slug, Body("gpt-4o"));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.That(error.Code, Is.EqualTo("router_not_found"));
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
    }

    [Test]
    public async Task Post_RouterListingThisNamespace_Returns200()
    {
        using var response = await PostAsync("us-only", Body("gpt-4o"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "ok" }));
    }

    [Test]
    public async Task Post_NoPoolMatchesModel_Returns404ModelNotFound()
    {
        using var response = await PostAsync("main", Body("claude-3-opus"));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.That(error.Code, Is.EqualTo("model_not_found"));
        Assert.That(error.Param, Is.EqualTo("model"));
    }

    [TestCase("GET")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    [TestCase("PATCH")]
    [TestCase("OPTIONS")]
    [TestCase("TRACE")]
    [TestCase("PROPFIND")]
    [TestCase("QUERY")]
    public async Task Send_WrongMethod_Returns405WithAllowPost(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/router/main/v1/chat/completions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        if (method != "GET")
        {
            request.Content = new StringContent(Body("gpt-4o"), Encoding.UTF8, "application/json");
        }

        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.That(error.Code, Is.EqualTo("method_not_allowed"));
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "POST" }));
    }

    [Test]
    public async Task Send_Head_Returns405WithAllowPostAndTheHeadersOfTheEnvelopeButNoBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/router/main/v1/chat/completions");

        using var response = await _host.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "POST" }));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Content.Headers.ContentLength, Is.GreaterThan(0), "the length of the envelope a body would carry");
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_BodyOverLimit_Returns413(bool chunked)
    {
        var body = Body("gpt-4o", padding: MaxBody);
        using var request = Request("main", body);
        request.Content = chunked ? new UnknownLengthContent(Encoding.UTF8.GetBytes(body)) : new StringContent(body, Encoding.UTF8, "application/json");
        Assert.That(request.Content.Headers.ContentLength, chunked ? Is.Null : Is.GreaterThan(MaxBody));

        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(error.Code, Is.EqualTo("request_too_large"));
        await AssertHostStillServesAsync();
    }

    [Test]
    public async Task Post_BodyExactlyAtLimit_IsAccepted()
    {
        var shell = Body("gpt-4o", padding: 0);
        var body = Body("gpt-4o", padding: MaxBody - Encoding.UTF8.GetByteCount(shell));
        Assert.That(Encoding.UTF8.GetByteCount(body), Is.EqualTo(MaxBody));

        using var response = await PostAsync("main", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase(1_000)]
    [TestCase(100_000)]
    public async Task Post_DeeplyNestedJson_Returns400AndHostSurvives(int depth)
    {
        var body = "{\"model\":\"gpt-4o\",\"messages\":" + new string('[', depth) + new string(']', depth) + "}";
        var before = _vendors.Calls.Count;

        using var response = await PostAsync("main", body);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.That(error.Message, Does.Contain("deeper"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before));
        await AssertHostStillServesAsync();
    }

    [Test]
    public async Task Post_DeeplyNestedUnclosedJsonOverLimit_Returns413AndHostSurvives()
    {
        var body = "{\"model\":\"gpt-4o\",\"x\":" + new string('[', MaxBody);

        using var response = await PostAsync("main", body);

        await ErrorEnvelope.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await AssertHostStillServesAsync();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_EveryVendorRefusedOrGarbage_Returns502(bool streaming)
    {
        var slug = "failing-" + Mode(streaming);
        var refusedBefore = _vendors.CallsTo(RefusedPort);
        var garbageBefore = _vendors.CallsTo(GarbagePort);

        using var response = await PostAsync(slug, Body("gpt-4o", streaming));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadGateway);
        Assert.That(error.Type, Is.EqualTo("upstream_error"));
        Assert.That(error.Code, Is.EqualTo("vendors_failed"));
        Assert.That(error.Message, Does.Not.Contain("127.0.0.1").And.Not.Contain("llm-key"));
        Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "2" }));
        Assert.That(response.Headers.GetValues("x-model-router-trail"), Is.EqualTo(new[] { "refused=error;garbage=error" }));
        Assert.That(_vendors.CallsTo(RefusedPort) - refusedBefore, Is.EqualTo(1));
        Assert.That(_vendors.CallsTo(GarbagePort) - garbageBefore, Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_LastVendorTimesOut_Returns504(bool streaming)
    {
        var silentBefore = _vendors.CallsTo(SilentPort);

        using var response = await PostAsync("timeout-" + Mode(streaming), Body("gpt-4o", streaming));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.That(error.Code, Is.EqualTo("upstream_timeout"));
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "silent" }));
        Assert.That(response.Headers.GetValues("x-model-router-trail"), Is.EqualTo(new[] { "refused=error;silent=timeout" }));
        Assert.That(_vendors.CallsTo(SilentPort) - silentBefore, Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_PoolWithoutActiveVendor_Returns503(bool streaming)
    {
        var before = _vendors.Calls.Count;

        using var response = await PostAsync("empty", Body("gpt-4o", streaming));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.That(error.Code, Is.EqualTo("no_available_vendor"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_EveryVendorRateLimited_Returns429WithEarliestRetryAfter(bool streaming)
    {
        using var response = await PostAsync("limited-" + Mode(streaming), Body("gpt-4o", streaming));

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.TooManyRequests);
        Assert.That(error.Type, Is.EqualTo("rate_limit_error"));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "2" }));
        Assert.That(response.Headers.GetValues("x-model-router-trail").Single().Split(';'), Is.EquivalentTo(new[] { $"limited-slow-{Mode(streaming)}=429", $"limited-fast-{Mode(streaming)}=429" }));
    }

    [TestCase(false, 400, "Invalid 'messages': empty array.", "messages", "empty_array")]
    [TestCase(true, 400, "Invalid 'messages': empty array.", "messages", "empty_array")]
    [TestCase(false, 422, "temperature must be at most 2", "temperature", "invalid_value")]
    [TestCase(true, 422, "temperature must be at most 2", "temperature", "invalid_value")]
    public async Task Post_VendorRejectsRequest_PassesStatusAndMessageThroughWithoutFailover(bool streaming, int status, string message, string param, string code)
    {
        var spareBefore = _vendors.CallsTo(SparePort);

        using var response = await PostAsync($"reject-{status}-{Mode(streaming)}", Body("gpt-4o", streaming));

        var error = await ErrorEnvelope.AssertAsync(response, (HttpStatusCode)status);
        Assert.That(error.Message, Is.EqualTo(message));
        Assert.That(error.Param, Is.EqualTo(param));
        Assert.That(error.Code, Is.EqualTo(code));
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { $"reject-{status}" }));
        Assert.That(response.Headers.GetValues("x-model-router-trail"), Is.EqualTo(new[] { $"reject-{status}={status}" }));
        Assert.That(_vendors.CallsTo(SparePort) - spareBefore, Is.Zero, "a 4xx is the request's fault: no failover");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Post_ValidRequest_Returns200WithVendorHeaders(bool streaming)
    {
        using var response = await PostAsync("main", Body("gpt-4o", streaming));

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(streaming ? "text/event-stream" : "application/json"));
        Assert.That(response.Headers.GetValues("x-model-router-vendor"), Is.EqualTo(new[] { "ok" }));
        Assert.That(response.Headers.GetValues("x-model-router-attempts"), Is.EqualTo(new[] { "1" }));
        Assert.That(response.Headers.GetValues("x-model-router-trail"), Is.EqualTo(new[] { "ok=ok" }));
        Assert.That(text, streaming ? Does.EndWith("data: [DONE]\n\n") : Does.Contain("\"chat.completion\""));
    }

    [TestCase("0")]
    [TestCase("-5")]
    [TestCase("1.5")]
    [TestCase("soon")]
    [TestCase("86400001")]
    public async Task Post_TimeoutHeaderNotAWholeNumberOfMilliseconds_Returns400NamingIt(string value)
    {
        var before = _vendors.Calls.Count;
        using var request = Request("main", Body("gpt-4o"));
        request.Headers.TryAddWithoutValidation("x-model-router-timeout-ms", value);

        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
        Assert.That(error.Param, Is.EqualTo("x-model-router-timeout-ms"));
        Assert.That(_vendors.Calls, Has.Count.EqualTo(before), "nothing is forwarded");
    }

    [Test]
    public async Task Post_TimeoutHeaderShorterThanTheVendorsTimeout_Returns504AtTheDeadlineWithTheTrail()
    {
        using var request = Request("deadline", Body("gpt-4o"));
        request.Headers.TryAddWithoutValidation("x-model-router-timeout-ms", "50");

        using var response = await _host.Client.SendAsync(request);

        var error = await ErrorEnvelope.AssertAsync(response, HttpStatusCode.GatewayTimeout);
        Assert.That(error.Message, Does.Contain("deadline of 50 ms"));
        Assert.That(response.Headers.GetValues("x-model-router-trail"), Is.EqualTo(new[] { "silent=timeout" }));
    }

    private static string Mode(bool streaming) => streaming ? "sse" : "json";

    private static string Body(string model, bool stream = false, int padding = 0)
        => $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}],"pad":"{{new string('x', padding)}}"}""";

    private static RouterConfig Router(string slug, params PoolConfig[] pools) => new() { Slug = slug, Name = slug, Pools = pools };

    private static PoolConfig Pool(string name, string pattern, params VendorConfig[] vendors) => new() { Name = name, ModelPattern = pattern, Vendors = vendors };

    private static VendorConfig Vendor(string llm) => new() { Llm = llm };

    private static HttpRequestMessage Request(string slug, string body, string? key = AppKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/router/{slug}/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    private async Task<HttpResponseMessage> PostAsync(string slug, string body, string? key = AppKey)
    {
        using var request = Request(slug, body, key);
        return await _host.Client.SendAsync(request);
    }

    private async Task AssertHostStillServesAsync()
    {
        using var response = await PostAsync("main", Body("gpt-4o"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the host still serves after a hostile body");
    }

    /// <summary>Content without a length, sent chunked.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(64 * 1024, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
