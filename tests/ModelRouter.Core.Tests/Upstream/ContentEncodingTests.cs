using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;
using static ModelRouter.Testing.ProviderVendors;

namespace ModelRouter.Tests.Upstream;

/// <summary>
/// The router never asks for compression, so a compressed answer is one it cannot read: on a success it is an invalid
/// response (failed over before anything reaches the client, counted against the LLM), on an error its body is unreadable.
/// Every provider adapter, streamed and not.
/// </summary>
public class ContentEncodingTests
{
    /// <summary>A gzip body as a vendor would compress it, or a plain body that only says it is compressed (it cannot be trusted either way).</summary>
    public static readonly string[] Encodings = ["gzip", "br-mislabelled"];

    private static HttpResponseMessage Encoded(HttpStatusCode status, string body, string mediaType, string encoding)
        => encoding == "gzip"
            ? Response(status, Gzip(body), mediaType, "gzip")
            : Response(status, Encoding.UTF8.GetBytes(body), mediaType, "br");

    [Test]
    public async Task RouteAsync_SuccessWithContentEncoding_FailsOverAsVendorFailure(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming,
        [ValueSource(nameof(Encodings))] string encoding)
    {
        await using var h = RouterHarness.Create(Config(provider));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Encoded(HttpStatusCode.OK, Answer(provider, streaming, "from-a"), MediaType(streaming), encoding));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));
        var text = await Bodies.ReadAllAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(response.Attempts, Is.EqualTo(2));
            Assert.That(response.IsStreaming, Is.EqualTo(streaming));
            Assert.That(text, Does.Contain("from-b").And.Not.Contain("from-a"));
            Assert.That(
                h.Logs.GetSnapshot().Where(r => r.Id.Id == 3001 && r.Level == LogLevel.Warning).Select(r => r.Message),
                Has.One.Contains("LLM a failed").And.Contains("Content-Encoding"),
                "the compressed answer failed over as a failure of LLM a");
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_SuccessWithIdentityEncoding_IsServed(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming)
    {
        await using var h = RouterHarness.Create(Config(provider));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(Answer(provider, streaming, "from-a")), MediaType(streaming), "identity"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Llm, Is.EqualTo("a"));
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-a"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_ErrorWithContentEncoding_GivesGenericMessageNotTheBody(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming,
        [ValueSource(nameof(Encodings))] string encoding)
    {
        await using var h = RouterHarness.Create(Config(provider));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Encoded(HttpStatusCode.BadRequest, Error(provider, "vendor detail", param: "messages", code: "bad_thing"), "application/json", encoding));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Message, Is.EqualTo("The vendor rejected the request with status 400."));
            Assert.That(ex.ErrorType, Is.EqualTo("invalid_request_error"));
            Assert.That(ex.Param, Is.Null);
            Assert.That(ex.ErrorCode, Is.Null);
            Assert.That(ex.Llm, Is.EqualTo("a"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task CreateRequest_NeverAsksForCompression(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming)
    {
        await using var h = RouterHarness.Create(Config(provider));
        string? acceptEncoding = "not captured";
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(request =>
        {
            acceptEncoding = request.Headers.TryGetValues("Accept-Encoding", out var values) ? string.Join(",", values) : null;
            return Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(Answer(provider, streaming, "from-a")), MediaType(streaming));
        });

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));
        await Bodies.ReadAllAsync(response);

        Assert.That(acceptEncoding, Is.Null);
    }
}
