using System.Net;
using System.Text;
using ModelRouter.Routing;
using static ModelRouter.Testing.FailoverVendors;

namespace ModelRouter.Tests.Routing;

/// <summary>A vendor's 200 that carries no usable answer is a failure of that vendor: failed over, counted, shown in the trail.</summary>
public class SoftFailureTests
{
    private ScriptedVendors _mock = null!;
    private int _callsA;
    private Func<HttpResponseMessage> _vendorA = null!;

    [SetUp]
    public void SetUp()
    {
        _mock = new ScriptedVendors();
        _callsA = 0;
        _vendorA = () => Ok(false, "a");
        _mock.When(UrlA, (_, _) =>
        {
            Interlocked.Increment(ref _callsA);
            return Task.FromResult(_vendorA());
        });
        _mock.When(UrlB, (_, _) => Task.FromResult(Ok(false, "b")));
    }

    [TearDown]
    public void TearDown() => _mock.Dispose();

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    [TestCase("""{"id":"c","object":"chat.completion","choices":[]}""")]
    [TestCase("""{"id":"c","object":"chat.completion"}""")]
    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":""}}]}""")]
    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[]},"finish_reason":null}]}""")]
    public async Task RouteAsync_EmptyAnswer_FailsOverAndTrailSaysEmpty(string body)
    {
        using var host = Start(_mock);
        _vendorA = () => Json(body);

        // Round-robin: of two requests, one goes to A first.
        var trails = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(false)));
            Assert.That(response.Llm, Is.EqualTo("b"));
            trails.Add(response.Trail);
        }

        Assert.That(trails, Does.Contain("a=empty;b=ok"));
    }

    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}""")]
    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}""")]
    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}""")]
    [TestCase("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","refusal":"no"}}]}""")]
    public async Task RouteAsync_AnswerWithContentToolCallOrFinishReason_IsServed(string body)
    {
        using var host = Start(_mock, vendorCount: 1);
        _vendorA = () => Json(body);

        await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(false)));

        Assert.That(response.Trail, Is.EqualTo("a=ok"));
    }

    [Test]
    public async Task RouteAsync_RepeatedEmptyAnswers_OpenTheVendorsBreaker()
    {
        using var host = Start(_mock, configure: o =>
        {
            o.FailureThreshold = 3;
            o.BreakerSamplingSeconds = 60;
            o.CooldownSeconds = 30;
        });
        _vendorA = () => Json("""{"id":"c","choices":[]}""");

        for (var i = 0; i < 6; i++)
        {
            Assert.That(await host.SendAsync(false), Is.EqualTo("b"));
        }

        Assert.That(_callsA, Is.EqualTo(3));
        for (var i = 0; i < 4; i++)
        {
            await host.SendAsync(false);
        }

        Assert.That(_callsA, Is.EqualTo(3), "three empty answers opened A's breaker");
    }

    [Test]
    public async Task RouteAsync_OnlyVendorAnswersEmpty_Is502WithTrail()
    {
        using var host = Start(_mock, vendorCount: 1);
        _vendorA = () => Json("""{"id":"c","choices":[]}""");

        var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));

        Assert.That(error!.StatusCode, Is.EqualTo(502));
        Assert.That(error.Trail, Is.EqualTo("a=empty"));
        await Task.CompletedTask;
    }
}
