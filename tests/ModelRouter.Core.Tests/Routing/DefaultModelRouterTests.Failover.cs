using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>Which vendor failures move the request to the next vendor, and what the caller gets when none is left.</summary>
public partial class DefaultModelRouterTests
{
    private static HttpResponseMessage Garbage() => new(HttpStatusCode.OK) { Content = new StringContent("<html>oops</html>", Encoding.UTF8, "text/html") };

    private static HttpResponseMessage RateLimited(TimeSpan retryAfter)
    {
        var response = Bodies.Status(HttpStatusCode.TooManyRequests, "slow down");
        response.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter);
        return response;
    }

    [Test]
    public async Task RouteAsync_VendorFailsWithStatus_FailsOverToTheNext(
        [Values] bool streaming,
        [Values(500, 502, 503, 504, 529, 429, 408, 401, 403)] int status)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status((HttpStatusCode)status));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));
        var text = await Bodies.ReadAllAsync(response);

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(response.Attempts, Is.EqualTo(2));
            Assert.That(response.IsStreaming, Is.EqualTo(streaming));
            Assert.That(text, Does.Contain("from-b"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_ConnectionFailure_FailsOverToTheNext(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Throw(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:5101)"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_InvalidSuccessBody_FailsOverToTheNext(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Garbage());
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(async () =>
        {
            Assert.That(response.Llm, Is.EqualTo("b"));
            Assert.That(await Bodies.ReadAllAsync(response), Does.Contain("from-b"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_VendorRejectsTheRequest_PassesItThroughWithoutFailover(
        [Values] bool streaming,
        [Values(400, 404, 409, 413, 422)] int status)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status((HttpStatusCode)status, $"bad messages ({status})"));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
            Assert.That(ex.StatusCode, Is.EqualTo(status));
            Assert.That(ex.Message, Is.EqualTo($"bad messages ({status})"));
            Assert.That(ex.ErrorType, Is.EqualTo("invalid_request_error"));
            Assert.That(ex.Param, Is.EqualTo("messages"));
            Assert.That(ex.ErrorCode, Is.EqualTo("bad_thing"));
            Assert.That(ex.Llm, Is.EqualTo("a"));
            Assert.That(ex.Attempts, Is.EqualTo(1));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_VendorRejectsWithoutErrorEnvelope_GivesGenericMessageNotRawBody(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("<html>internal trace at 10.0.0.7</html>") });

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Message, Does.Contain("status 400").And.Not.Contain("10.0.0.7"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_EveryVendorRejectsCredentials_IsAllVendorsFailed(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.Unauthorized, "Incorrect API key provided"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.Forbidden));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.AllVendorsFailed));
            Assert.That(ex.StatusCode, Is.EqualTo(502));
            Assert.That(ex.Attempts, Is.EqualTo(2));
            Assert.That(ex.Message, Does.Not.Contain("Incorrect API key"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_EveryVendorRateLimited_IsRateLimitedWithTheEarliestRetryAfter(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b", "c"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => RateLimited(TimeSpan.FromSeconds(7)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => RateLimited(TimeSpan.FromSeconds(3)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("c")).Respond(_ => RateLimited(TimeSpan.FromSeconds(20)));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.RateLimited));
            Assert.That(ex.StatusCode, Is.EqualTo(429));
            Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(ex.Attempts, Is.EqualTo(3));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_EveryVendorRateLimitedWithoutRetryAfter_StillSaysWhenToRetry()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.TooManyRequests));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.That(ex.RetryAfter, Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task RouteAsync_RateLimitedWithRetryAfterDate_MeasuresItOnTheInjectedClock()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            var response = Bodies.Status(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new RetryConditionHeaderValue(h.Time.GetUtcNow().AddSeconds(42));
            return response;
        });

        var ex = await h.RouteFailsAsync(Bodies.Chat("m"));

        Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(42)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_RateLimitedThenServerError_IsAllVendorsFailed(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => RateLimited(TimeSpan.FromSeconds(1)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.InternalServerError));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(502));
            Assert.That(ex.Message, Does.Contain("status 500"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_EveryVendorFails_TriesEachOnceThenIsAllVendorsFailed(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b", "c"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.InternalServerError));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Throw(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("c")).Respond(_ => Garbage());

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.AllVendorsFailed));
            Assert.That(ex.StatusCode, Is.EqualTo(502));
            Assert.That(ex.Attempts, Is.EqualTo(3));
            Assert.That(ex.Llm, Is.EqualTo("c"));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_MaxAttempts_LimitsTheVendorsTried(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a"), Vendor("b"), Vendor("c")) with { MaxAttempts = 2 }));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.ServiceUnavailable));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.ServiceUnavailable));

        var ex = await h.RouteFailsAsync(Bodies.Chat("m", streaming));

        Assert.Multiple(() =>
        {
            Assert.That(ex.StatusCode, Is.EqualTo(502));
            Assert.That(ex.Attempts, Is.EqualTo(2));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_FailoverSkipsInactiveVendors(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool(Pool("all", "*", Vendor("a"), Vendor("off", active: false), Vendor("zero", weight: 0), Vendor("b"))));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.BadGateway));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming));

        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));

        Assert.That(response.Llm, Is.EqualTo("b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_VendorTimesOutOnTheInjectedClock_FailsOverToTheNext(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async () =>
        {
            var token = RouterHarness.TokenCapturingHandler.Current;
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return Bodies.Success(streaming);
        });
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(streaming, "from-b"));

        var routing = h.RouteAsync(Bodies.Chat("m", streaming)).AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        h.Time.Advance(TimeSpan.FromSeconds(99));
        Assert.That(routing.IsCompleted, Is.False, "the timeout is 100 s");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await using var response = await routing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(response.Llm, Is.EqualTo("b"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_LastVendorTimesOut_IsUpstreamTimeout()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async () =>
        {
            var token = RouterHarness.TokenCapturingHandler.Current;
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return Bodies.Success(false);
        });

        var routing = h.RouteAsync(Bodies.Chat("m")).AsTask();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        h.Time.Advance(TimeSpan.FromSeconds(100));
        var ex = Assert.ThrowsAsync<ModelRouterException>(async () => await routing.WaitAsync(TimeSpan.FromSeconds(30)))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
            Assert.That(ex.StatusCode, Is.EqualTo(504));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_ClientCancelsDuringTheVendorCall_ThrowsCancelledAndTriesNoOtherVendor(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        using var cts = new CancellationTokenSource();
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async () =>
        {
            var token = RouterHarness.TokenCapturingHandler.Current;
            await cts.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
            return Bodies.Success(streaming);
        });

        Assert.That(
            async () => await h.RouteAsync(Bodies.Chat("m", streaming), cancellationToken: cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_ClientCancelsWhileTheVendorAnswersAnError_TriesNoOtherVendor(bool streaming)
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        using var cts = new CancellationTokenSource();
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async () =>
        {
            await cts.CancelAsync();
            return Bodies.Status(HttpStatusCode.ServiceUnavailable);
        });

        Assert.That(
            async () => await h.RouteAsync(Bodies.Chat("m", streaming), cancellationToken: cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
        h.Http.VerifyNoOutstandingExpectation();
    }

    [TestCase("round_robin")]
    [TestCase("weighted")]
    public async Task RouteAsync_OneVendorFailing_DoesNotGoFirstForEveryRequest(string algorithm)
    {
        var config = OnePool(Pool("p", "*", Vendor("a"), Vendor("b")) with { Algorithm = algorithm });
        await using var h = RouterHarness.Create(config, o => o.FailureThreshold = 1000);
        var firstTried = new List<string>();
        var inRequest = false;
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            if (!inRequest)
            {
                firstTried.Add("a");
            }

            inRequest = true;
            return Bodies.Status(HttpStatusCode.InternalServerError);
        });
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ =>
        {
            if (!inRequest)
            {
                firstTried.Add("b");
            }

            inRequest = true;
            return Bodies.Success(false, "from-b");
        });

        for (var i = 0; i < 10; i++)
        {
            inRequest = false;
            await using var response = await h.RouteAsync(Bodies.Chat("m"));
            Assert.That(response.Llm, Is.EqualTo("b"));
        }

        Assert.That(firstTried.Count(v => v == "a"), Is.EqualTo(5), $"first vendor per request: {string.Join(",", firstTried)}");
    }
}
