using System.Net;
using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;
using static ModelRouter.Testing.ProviderVendors;

namespace ModelRouter.Tests.Upstream;

/// <summary>
/// A vendor's error text goes on to the caller, but never the LLM's own secrets in it: a vendor that echoes the
/// request's credentials or configured headers has them masked in the message, type, param and code, in exceptions
/// and in logs. Every provider adapter.
/// </summary>
public class VendorErrorScrubbingTests
{
    private const string Mask = "********";
    private const string OrgToken = "org-token-5c4b3a2e";
    private const string ShortHeaderValue = "beta-v2";

    private static readonly HeaderConfig[] s_headers =
    [
        new() { Name = "X-Org-Token", Value = OrgToken },
        new() { Name = "X-Feature", Value = ShortHeaderValue },
    ];

    private static string KeyA => KeyOf("a");

    /// <summary>What the vendor received as its credential header, the way a careless vendor quotes it back.</summary>
    private static string EchoCredentials(HttpRequestMessage request)
    {
        var credential = request.Headers.Authorization is { } authorization
            ? "Authorization: " + authorization
            : request.Headers.TryGetValues("api-key", out var apiKey) ? "api-key: " + apiKey.Single()
            : request.Headers.TryGetValues("x-goog-api-key", out var googleKey) ? "x-goog-api-key: " + googleKey.Single()
            : "x-api-key: " + request.Headers.GetValues("x-api-key").Single();
        return $"{credential}; X-Org-Token: {string.Join(",", request.Headers.GetValues("X-Org-Token"))}";
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body)
        => Response(status, Encoding.UTF8.GetBytes(body), "application/json");

    private static void AssertNoSecret(ModelRouterException ex, RouterHarness h)
    {
        var logText = h.Logs.GetSnapshot().Select(r => string.Join(" | ", r.Message, r.Exception?.ToString() ?? "", string.Join(",", r.StructuredState?.Select(kv => kv.Value) ?? [])));
        foreach (var secret in new[] { KeyA, OrgToken })
        {
            Assert.That(ex.Message, Does.Not.Contain(secret), "message");
            Assert.That(ex.ErrorType, Does.Not.Contain(secret), "type");
            Assert.That(ex.Param ?? "", Does.Not.Contain(secret), "param");
            Assert.That(ex.ErrorCode ?? "", Does.Not.Contain(secret), "code");
            Assert.That(ex.ToString(), Does.Not.Contain(secret), "the exception and its inner exceptions");
            Assert.That(logText, Has.None.Contains(secret), "log lines");
        }
    }

    [Test]
    public async Task RouteAsync_VendorErrorEchoesCredentials_CallerSeesThemMasked(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(request => Json(
            HttpStatusCode.BadRequest,
            Error(provider, "Malformed request. Received headers: " + EchoCredentials(request), type: "bad_" + KeyA, param: KeyA, code: "Bearer " + OrgToken)));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Message, Does.StartWith("Malformed request. Received headers: ").And.EndWith($"{Mask}; X-Org-Token: {Mask}"));
            if (provider is ProviderKinds.Anthropic or ProviderKinds.Gemini)
            {
                // Anthropic and Google have no param; an error type (a status) they do not document is passed on as the code.
                Assert.That(ex.ErrorCode, Is.EqualTo("bad_" + Mask));
            }
            else
            {
                Assert.That(ex.ErrorType, Is.EqualTo("bad_" + Mask));
                Assert.That(ex.Param, Is.EqualTo(Mask));
                Assert.That(ex.ErrorCode, Is.EqualTo("Bearer " + Mask));
            }

            AssertNoSecret(ex, h);
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_KeyStraddlesTheMessageLengthLimit_NoPartOfItRemains(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        var message = new string('x', 990) + KeyA + " was echoed";
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Json(HttpStatusCode.BadRequest, Error(provider, message)));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Does.StartWith(new string('x', 990) + "********"), "masked first, cut at the limit after");
            Assert.That(ex.Message, Does.Not.Contain(KeyA[..4]));
            AssertNoSecret(ex, h);
        });
    }

    [Test]
    public async Task RouteAsync_VendorEchoesTheKeyCutShort_PrefixIsMasked(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Json(HttpStatusCode.BadRequest, Error(provider, $"Key {KeyA[..16]}... is not allowed here.")));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.That(ex.Message, Is.EqualTo($"Key {Mask}... is not allowed here."));
    }

    [Test]
    public async Task RouteAsync_ShortHeaderValues_AreLeftInTheMessage(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Json(HttpStatusCode.BadRequest, Error(provider, $"Feature {ShortHeaderValue} is not enabled.")));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.That(ex.Message, Is.EqualTo($"Feature {ShortHeaderValue} is not enabled."));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_AnthropicStreamErrorEchoesKey_NoExceptionOrLogCarriesIt(bool afterFirstEvent)
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.Anthropic, s_headers) with
        {
            Routers =
            [
                new RouterConfig { Slug = "prod", Pools = [Pool("all", "*", Vendor("a"))] },
                new RouterConfig { Slug = "other", Pools = [Pool("other", "*", Vendor("b"))] },
            ],
        });
        var events = new List<string>
        {
            """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}}""",
        };
        if (afterFirstEvent)
        {
            events.Add("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            events.Add("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}""");
        }

        events.Add($$$"""{"type":"error","error":{"type":"overloaded_{{{KeyA}}}","message":"Overloaded while serving x-api-key {{{KeyA}}} and {{{OrgToken}}}"}}""");
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Anthropic)).Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(AnthropicEvents([.. events])), "text/event-stream"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming: true));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(afterFirstEvent ? ModelRouterErrorKind.StreamInterrupted : ModelRouterErrorKind.AllVendorsFailed));
            if (afterFirstEvent)
            {
                Assert.That(ex.InnerException?.Message, Does.Contain($"overloaded_{Mask}").And.Contain($"x-api-key {Mask} and {Mask}"), "the vendor's words stay, its echo of the secrets does not");
            }

            AssertNoSecret(ex, h);
        });
        h.Http.VerifyNoOutstandingExpectation();
    }
}
