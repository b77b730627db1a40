using System.Net;
using System.Text;
using ModelRouter.Configuration;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.ProviderVendors;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Upstream.Bedrock;

/// <summary>Bedrock's throttling and 5xx fail over; its ValidationException goes back to the client; a stream fails over only before its first byte.</summary>
public class BedrockFailoverTests
{
    private const string Url = BaseUrlA + "/model/*";

    private static ModelRouterConfig BedrockThenOpenAI() => Config(ProviderKinds.Bedrock) with
    {
        Llms = [new LlmConfig { Id = "a", Provider = ProviderKinds.Bedrock, BaseUrl = BaseUrlA, Region = "us-east-1", AccessKeyId = "AKIATESTKEYID0001", ApiKey = KeyOf("a") }, Llm("b")],
    };

    private static HttpResponseMessage AwsError(HttpStatusCode status, string type, string message)
    {
        var response = Response(status, Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}"""), "application/json");
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
        return response;
    }

    [Test]
    public async Task RouteAsync_ThrottlingOrUnavailable_FailsOver(
        [Values] bool streaming,
        [Values("429 ThrottlingException", "503 ServiceUnavailableException", "500 InternalServerException", "429 ModelNotReadyException", "408 ModelTimeoutException")] string error)
    {
        var status = (HttpStatusCode)int.Parse(error[..3], System.Globalization.CultureInfo.InvariantCulture);
        await using var h = RouterHarness.Create(BedrockThenOpenAI());
        h.Http.Expect(HttpMethod.Post, Url).Respond(_ => AwsError(status, error[4..], "try later"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.That((response.Llm, response.Attempts), Is.EqualTo(("b", 2)));
        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_ValidationException_IsTheClientsErrorAndDoesNotFailOver()
    {
        await using var h = RouterHarness.Create(BedrockThenOpenAI());
        h.Http.Expect(HttpMethod.Post, Url).Respond(_ => AwsError(HttpStatusCode.BadRequest, "ValidationException", "messages: roles must alternate"));
        var openAI = h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(false, "from-b"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.Multiple(() =>
        {
            Assert.That((ex.Kind, ex.StatusCode), Is.EqualTo((ModelRouterErrorKind.UpstreamRejected, (int?)400)));
            Assert.That((ex.ErrorType, ex.ErrorCode, ex.Message), Is.EqualTo(("invalid_request_error", "ValidationException", "messages: roles must alternate")));
            Assert.That(h.Http.GetMatchCount(openAI), Is.Zero);
        });
    }

    [Test]
    public async Task RouteAsync_StreamThrottledBeforeItsFirstChunk_FailsOver()
    {
        await using var h = RouterHarness.Create(BedrockThenOpenAI());
        h.Http.Expect(HttpMethod.Post, Url).Respond(_ => Response(HttpStatusCode.OK, BedrockEvents.Stream(
            BedrockEvents.Event("messageStart", """{"role":"assistant"}"""),
            BedrockEvents.Exception("throttlingException", "slow down")), BedrockEvents.MediaType));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That(response.Llm, Is.EqualTo("b"));
        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
    }

    [Test]
    public async Task RouteAsync_EventStream_IsServedAsAStream()
    {
        await using var h = RouterHarness.Create(BedrockThenOpenAI());
        h.Http.Expect(HttpMethod.Post, Url).Respond(_ => Response(HttpStatusCode.OK, BedrockEvents.Text("from-a"), BedrockEvents.MediaType));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming: true));

        Assert.That((response.Llm, response.IsStreaming), Is.EqualTo(("a", true)));
        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("\"content\":\"from-a\"").And.EndWith("data: [DONE]\n\n"));
    }
}
