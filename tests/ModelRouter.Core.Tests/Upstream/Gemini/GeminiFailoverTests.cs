using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelRouter.Configuration;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.ProviderVendors;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Upstream.Gemini;

/// <summary>Gemini's 429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE fail over and cool the LLM for the wait Google asks for; its 400s do not.</summary>
public class GeminiFailoverTests
{
    private static string GoogleError(int code, string status, string? retryDelay = null)
    {
        var details = retryDelay is null ? "" : ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + retryDelay + "\"}]";
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + status + " happened\",\"status\":\"" + status + "\"" + details + "}}";
    }

    /// <summary>A router over Gemini LLM "a" alone.</summary>
    private static ModelRouterConfig GeminiOnly() => OnePool("a") with { Llms = [Config(ProviderKinds.Gemini).Llms[0]] };

    private static HttpResponseMessage Json(HttpStatusCode status, string body) => Response(status, Encoding.UTF8.GetBytes(body), "application/json");

    [Test]
    public async Task RouteAsync_ResourceExhaustedWithRetryInfo_IsRateLimitedForTheRetryDelay([Values] bool streaming)
    {
        await using var h = RouterHarness.Create(GeminiOnly());
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Gemini)).Respond(_ => Json(HttpStatusCode.TooManyRequests, GoogleError(429, "RESOURCE_EXHAUSTED", "46s")));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));
            Assert.That(ex.StatusCode, Is.EqualTo(429));
            Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(46)), "the RetryInfo detail's retryDelay");
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_Unavailable_FailsOverToTheNextVendor([Values] bool streaming)
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.Gemini));
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Gemini)).Respond(_ => Json(HttpStatusCode.ServiceUnavailable, GoogleError(503, "UNAVAILABLE")));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.That((response.Llm, response.Attempts), Is.EqualTo(("b", 2)));
        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_UnavailableWithRetryInfo_CoolsTheLlmForTheRetryDelay()
    {
        await using var h = RouterHarness.Create(GeminiOnly());
        var gemini = h.Http.When(HttpMethod.Post, UrlA(ProviderKinds.Gemini)).Respond(_ => Json(HttpStatusCode.ServiceUnavailable, GoogleError(503, "UNAVAILABLE", "30s")));

        var first = await h.RouteFailsAsync(Bodies.Chat("m"));
        h.Time.Advance(TimeSpan.FromSeconds(29));
        var cooling = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(ModelRouterErrorKind.AllVendorsFailed));
            Assert.That(cooling.Kind, Is.EqualTo(ModelRouterErrorKind.NoAvailableVendor), "a still cools, 29 s into the 30 s retryDelay");
            Assert.That(cooling.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(h.Http.GetMatchCount(gemini), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task RouteAsync_RetryAfterHeader_WinsOverTheBody()
    {
        await using var h = RouterHarness.Create(GeminiOnly());
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Gemini)).Respond(_ =>
        {
            var response = Json(HttpStatusCode.TooManyRequests, GoogleError(429, "RESOURCE_EXHAUSTED", "46s"));
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(5));
            return response;
        });

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task RouteAsync_InvalidArgument_IsTheClientsErrorAndDoesNotFailOver()
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.Gemini));
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Gemini)).Respond(_ => Json(HttpStatusCode.BadRequest, GoogleError(400, "INVALID_ARGUMENT")));
        var openAI = h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false, "from-b"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.ErrorType, Is.EqualTo("invalid_request_error"));
            Assert.That(ex.ErrorCode, Is.EqualTo("INVALID_ARGUMENT"));
            Assert.That(ex.Message, Is.EqualTo("INVALID_ARGUMENT happened"));
            Assert.That(h.Http.GetMatchCount(openAI), Is.Zero);
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_StreamBrokenBeforeFinish_FailsOverBeforeTheFirstByte()
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.Gemini));
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Gemini))
            .Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(GeminiEvents("""{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}""")), "text/event-stream"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(response.Llm, Is.EqualTo("b"));
        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        h.Http.VerifyNoOutstandingExpectation();
    }
}
