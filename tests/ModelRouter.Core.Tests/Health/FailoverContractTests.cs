using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelRouter.Routing;
using static ModelRouter.Testing.FailoverVendors;

namespace ModelRouter.Tests.Health;

/// <summary>The failover contract of issue 4, on fake time: cooldowns, Retry-After, the breaker, timeouts, cancellation, streams.</summary>
public class FailoverContractTests
{
    private ScriptedVendors _mock = null!;
    private int _callsA;
    private int _callsB;
    private Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _vendorA = null!;
    private Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _vendorB = null!;
    private bool _streaming;

    [SetUp]
    public void SetUp()
    {
        _mock = new ScriptedVendors();
        _streaming = false;
        _callsA = 0;
        _callsB = 0;
        _vendorA = (_, _) => Task.FromResult(Ok(_streaming, "a"));
        _vendorB = (_, _) => Task.FromResult(Ok(_streaming, "b"));
        _mock.When(UrlA, (req, ct) =>
        {
            Interlocked.Increment(ref _callsA);
            return _vendorA(req, ct);
        });
        _mock.When(UrlB, (req, ct) =>
        {
            Interlocked.Increment(ref _callsB);
            return _vendorB(req, ct);
        });
    }

    [TearDown]
    public void TearDown() => _mock.Dispose();

    /// <summary>A host whose breaker opens after three failures in a 60 s window (30 s cooldown); A answers 500 while <paramref name="failing"/> says so.</summary>
    private RouterHarness BreakerHost(bool streaming, Func<bool> failing)
    {
        _streaming = streaming;
        _vendorA = (_, _) => Task.FromResult(failing() ? Status(HttpStatusCode.InternalServerError) : Ok(streaming, "a"));
        return Start(_mock, configure: o =>
        {
            o.FailureThreshold = 3;
            o.BreakerSamplingSeconds = 60;
            o.CooldownSeconds = 30;
        });
    }

    [TestCase(false, "retry-after-seconds")]
    [TestCase(true, "retry-after-seconds")]
    [TestCase(false, "retry-after-date")]
    [TestCase(true, "retry-after-ms")]
    public async Task RetryAfter_On429_CoolsVendorForThatLongThenAdmitsOneTrial(bool streaming, string form)
    {
        _streaming = streaming;
        using var host = Start(_mock);
        var limited = true;
        _vendorA = (_, _) => Task.FromResult(limited
            ? Status(HttpStatusCode.TooManyRequests, r => SetRetryAfter(r, form, TimeSpan.FromSeconds(10), host.Time.GetUtcNow()))
            : Ok(streaming, "a"));

        Assert.That(await host.SendAsync(streaming), Is.EqualTo("b"), "the first request fails over from the rate-limited vendor");
        for (var i = 0; i < 4; i++)
        {
            Assert.That(await host.SendAsync(streaming), Is.EqualTo("b"), "a cooling vendor is skipped");
        }

        Assert.That(_callsA, Is.EqualTo(1));
        host.Time.Advance(TimeSpan.FromSeconds(9));
        await host.SendAsync(streaming);
        Assert.That(_callsA, Is.EqualTo(1), "still cooling one second before Retry-After runs out");

        limited = false;
        host.Time.Advance(TimeSpan.FromSeconds(1.5));
        var served = new[] { await host.SendAsync(streaming), await host.SendAsync(streaming) };
        Assert.That(served, Does.Contain("a"), "after Retry-After the vendor gets its trial, and is back in turn");
        Assert.That(_callsA, Is.EqualTo(2));
    }

    [Test]
    public async Task RetryAfter_LongerThanCap_IsCapped()
    {
        using var host = Start(_mock, configure: o => o.MaxRetryAfterSeconds = 60);
        var limited = true;
        _vendorA = (_, _) => Task.FromResult(limited
            ? Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(1)))
            : Ok(false, "a"));
        await host.SendAsync(false);
        limited = false;

        host.Time.Advance(TimeSpan.FromSeconds(59));
        await host.SendAsync(false);
        await host.SendAsync(false);
        Assert.That(_callsA, Is.EqualTo(1), "cooling within the 60 s cap");

        host.Time.Advance(TimeSpan.FromSeconds(2));
        await host.SendAsync(false);
        await host.SendAsync(false);
        Assert.That(_callsA, Is.EqualTo(2), "back after the cap, not after an hour");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task HalfOpenTrial_Failing_ReopensCooldown_Succeeding_Closes(bool streaming)
    {
        _streaming = streaming;
        using var host = Start(_mock, configure: o => o.CooldownSeconds = 30);
        var answer = HttpStatusCode.ServiceUnavailable;
        _vendorA = (_, _) => Task.FromResult(answer == HttpStatusCode.OK
            ? Ok(streaming, "a")
            : Status(answer, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(5))));

        await host.SendAsync(streaming);
        Assert.That(_callsA, Is.EqualTo(1));

        // Trial after 5 s fails with a plain 500: cooling again for the default 30 s.
        answer = HttpStatusCode.InternalServerError;
        host.Time.Advance(TimeSpan.FromSeconds(6));
        await host.SendAsync(streaming);
        await host.SendAsync(streaming);
        Assert.That(_callsA, Is.EqualTo(2), "exactly one trial went through");

        host.Time.Advance(TimeSpan.FromSeconds(29));
        await host.SendAsync(streaming);
        await host.SendAsync(streaming);
        Assert.That(_callsA, Is.EqualTo(2), "the failed trial re-opened the cooldown");

        answer = HttpStatusCode.OK;
        host.Time.Advance(TimeSpan.FromSeconds(2));
        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            served.Add(await host.SendAsync(streaming));
        }

        Assert.That(served.Count(v => v == "a"), Is.EqualTo(2), "a successful trial closes the cooldown: even turns again");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Breaker_OpensAfterConsecutiveFailures_HalfOpensAfterCooldown_ClosesOnSuccess(bool streaming)
    {
        var failing = true;
        using var host = BreakerHost(streaming, () => failing);

        // Round-robin sends every other request to A first; three failures open its breaker.
        for (var i = 0; i < 6; i++)
        {
            Assert.That(await host.SendAsync(streaming), Is.EqualTo("b"));
        }

        Assert.That(_callsA, Is.EqualTo(3));
        for (var i = 0; i < 4; i++)
        {
            await host.SendAsync(streaming);
        }

        Assert.That(_callsA, Is.EqualTo(3), "an open breaker keeps the vendor out");

        failing = false;
        host.Time.Advance(TimeSpan.FromSeconds(31));
        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            served.Add(await host.SendAsync(streaming));
        }

        Assert.That(served.Count(v => v == "a"), Is.EqualTo(2), "half-open trial succeeded and closed the breaker");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Breaker_StaysClosedWhileASuccessIsInItsWindow_EvenWhenEarlierSuccessesWereNotReportedOneByOne(bool streaming)
    {
        // Successes reach a closed breaker at most once per twentieth of the sampling window (3 s here): the one that
        // counts is the latest, so it must still be reported when it comes long after the first.
        var failing = false;
        using var host = BreakerHost(streaming, () => failing);

        // t = 0 s and t = 1 s: A answers (the second success falls within 3 s of the first).
        await SendTwoAsync();
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await SendTwoAsync();
        Assert.That(_callsA, Is.EqualTo(2));

        // t = 50 s: A answers once more; t = 70 s: A fails, at least as often as the threshold. The t = 50 s success
        // is in the 60 s window, so A is still tried.
        host.Time.Advance(TimeSpan.FromSeconds(49));
        await SendTwoAsync();
        Assert.That(_callsA, Is.EqualTo(3));
        host.Time.Advance(TimeSpan.FromSeconds(20));
        failing = true;
        for (var i = 0; i < 3; i++)
        {
            await SendTwoAsync();
        }

        var failures = _callsA - 3;
        Assert.That(failures, Is.GreaterThanOrEqualTo(3));
        await SendTwoAsync();
        Assert.That(_callsA, Is.GreaterThan(3 + failures), "a success within the sampling window keeps the breaker closed through failures");

        // t = 125 s: the last success has left the window; the failures of t = 70 s have not, so the next failure opens it.
        host.Time.Advance(TimeSpan.FromSeconds(55));
        var before = _callsA;
        await SendTwoAsync();
        Assert.That(_callsA, Is.EqualTo(before + 1), "the first failure with no success left in the window opens the breaker");
        for (var i = 0; i < 3; i++)
        {
            await SendTwoAsync();
        }

        Assert.That(_callsA, Is.EqualTo(before + 1), "an open breaker keeps the vendor out");

        // Round-robin over A and B: of two requests, at least one tries A first (B serves it when A fails).
        async Task SendTwoAsync()
        {
            for (var i = 0; i < 2; i++)
            {
                await host.SendAsync(streaming);
            }
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AllVendorsRateLimited_Answers429AtOnce_WithEarliestRetryAfter(bool streaming)
    {
        _streaming = streaming;
        using var host = Start(_mock);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(20))));
        _vendorB = (_, _) => Task.FromResult(Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(8))));

        var first = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(streaming));
        Assert.That(first!.StatusCode, Is.EqualTo(429));
        Assert.That(first.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(8)));
        Assert.That(first.Attempts, Is.EqualTo(2));

        host.Time.Advance(TimeSpan.FromSeconds(3));
        var second = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(streaming));
        Assert.That(second!.StatusCode, Is.EqualTo(429));
        Assert.That(second.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(5)), "the earliest vendor returns in 5 s");
        Assert.That(_callsA + _callsB, Is.EqualTo(2), "while every vendor cools, nothing is sent upstream");
    }

    [Test]
    public async Task AllVendorsCoolingAfterFailures_Answers503WithRetryAfter()
    {
        using var host = Start(_mock);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.ServiceUnavailable, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(12))));
        _vendorB = (_, _) => Task.FromResult(Status((HttpStatusCode)529, r => r.Headers.TryAddWithoutValidation("retry-after-ms", "4000")));

        var first = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
        Assert.That(first!.StatusCode, Is.EqualTo(502), "both failed with server errors");

        var second = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
        Assert.That(second!.StatusCode, Is.EqualTo(503));
        Assert.That(second.Kind, Is.EqualTo(ModelRouterErrorKind.NoAvailableVendor));
        Assert.That(second.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(4)));
        Assert.That(_callsA + _callsB, Is.EqualTo(2));
        await Task.CompletedTask;
    }

    [TestCase(HttpStatusCode.Unauthorized)]
    [TestCase(HttpStatusCode.Forbidden)]
    [TestCase(HttpStatusCode.PaymentRequired)]
    public async Task CredentialFailure_FailsOverAndCoolsThatVendor_AllRejected_Is502(HttpStatusCode status)
    {
        using var host = Start(_mock, configure: o => o.CredentialCooldownSeconds = 300);
        _vendorA = (_, _) => Task.FromResult(Status(status));

        Assert.That(await host.SendAsync(false), Is.EqualTo("b"));
        for (var i = 0; i < 3; i++)
        {
            await host.SendAsync(false);
        }

        Assert.That(_callsA, Is.EqualTo(1), "a vendor whose key is rejected stays out for the credential cooldown");

        _vendorB = (_, _) => Task.FromResult(Status(status));
        host.Time.Advance(TimeSpan.FromSeconds(301));
        var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
        Assert.That(error!.StatusCode, Is.EqualTo(502), "the client's own key was fine: not a 401 to the client");
        Assert.That(error.Message, Does.Not.Contain("llm-key"));
    }

    [TestCase(HttpStatusCode.BadRequest)]
    [TestCase(HttpStatusCode.NotFound)]
    [TestCase(HttpStatusCode.RequestEntityTooLarge)]
    [TestCase(HttpStatusCode.UnprocessableEntity)]
    public async Task ClientError_IsReturnedAsIs_NoFailover_NoPenalty(HttpStatusCode status)
    {
        using var host = Start(_mock, configure: o => o.FailureThreshold = 2);
        _vendorA = (_, _) => Task.FromResult(Status(status));
        for (var i = 0; i < 3; i++)
        {
            var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
            Assert.That(error!.StatusCode, Is.EqualTo((int)status));
            Assert.That(error.Message, Is.EqualTo("vendor says no"));
            await host.SendAsync(false); // B's turn
        }

        Assert.That(_callsA, Is.EqualTo(3), "the request's fault never cools the vendor");
        Assert.That(_callsB, Is.EqualTo(3), "and never fails over");
    }

    [Test]
    public async Task PoolFailoverOverride_OnlyListedStatusesFailOver()
    {
        using var host = Start(_mock, failoverStatusCodes: [503]);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.InternalServerError));
        var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
        Assert.That(error!.StatusCode, Is.EqualTo(500), "500 is not in the pool's list: returned as is");
        Assert.That(_callsB, Is.EqualTo(0));

        await host.SendAsync(false); // B's turn
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.ServiceUnavailable));
        Assert.That(await host.SendAsync(false), Is.EqualTo("b"), "503 is listed: fails over");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ClientCancel_CancelsUpstreamAtOnce_AndIsNotCountedAgainstVendor(bool streaming)
    {
        _streaming = streaming;
        using var host = Start(_mock, configure: o => o.FailureThreshold = 2);
        var upstreamCancelled = 0;
        var entered = new SemaphoreSlim(0);
        _vendorA = async (_, ct) =>
        {
            entered.Release();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref upstreamCancelled);
                throw;
            }

            return Ok(streaming, "a");
        };

        for (var i = 0; i < 3; i++)
        {
            using var cts = new CancellationTokenSource();
            var pending = host.SendAsync(streaming, cts.Token);
            Assert.That(await entered.WaitAsync(TimeSpan.FromSeconds(10)), Is.True);
            await cts.CancelAsync();
            Assert.That(async () => await pending, Throws.InstanceOf<OperationCanceledException>());
            await host.SendAsync(streaming); // B's turn keeps the rotation
        }

        Assert.That(_callsB, Is.EqualTo(3), "a cancelled request never fails over");
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref upstreamCancelled) == 3, TimeSpan.FromSeconds(10)), Is.True, "the upstream call was cancelled each time");
        _vendorA = (_, _) => Task.FromResult(Ok(streaming, "a"));
        Assert.That(await host.SendAsync(streaming), Is.EqualTo("a"), "three cancels did not open a breaker with threshold 2");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task SlowHeaders_FailOverWithinTheVendorsTimeout(bool streaming)
    {
        _streaming = streaming;
        using var host = Start(_mock);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _vendorA = async (_, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return Ok(streaming, "a");
        };

        var pending = host.SendAsync(streaming);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(pending.IsCompleted, Is.False);
        host.Time.Advance(TimeSpan.FromSeconds(101));
        Assert.That(await pending.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("b"));
    }

    [Test]
    public async Task SlowButSteadyStream_IsNotCut_IdleStream_EndsWithTimeout()
    {
        using var host = Start(_mock, vendorCount: 1);
        var body = VendorAStreams();

        body.Write("data: {\"n\":0}\n\n");
        await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(true)));
        Assert.That(Encoding.UTF8.GetString((await response.ReadStreamChunkAsync()).Span), Does.Contain("\"n\":0"));

        // 10 chunks 50 s apart: 500 s in all, far beyond the 100 s headers timeout and the 60 s idle timeout.
        for (var i = 1; i <= 10; i++)
        {
            var read = response.ReadStreamChunkAsync().AsTask();
            host.Time.Advance(TimeSpan.FromSeconds(50));
            body.Write($"data: {{\"n\":{i}}}\n\n");
            Assert.That(Encoding.UTF8.GetString((await read.WaitAsync(TimeSpan.FromSeconds(10))).Span), Does.Contain($"\"n\":{i}"));
        }

        var idle = response.ReadStreamChunkAsync().AsTask();
        host.Time.Advance(TimeSpan.FromSeconds(61));
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await idle.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
    }

    [Test]
    public async Task CallerHoldsAChunkLongerThanTheIdleTimeout_TheNextSilenceIsStillTimedInFullFromItsRead()
    {
        using var host = Start(_mock, vendorCount: 1);
        var body = VendorAStreams();

        body.Write("data: {\"n\":0}\n\n");
        await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(true)));
        await response.ReadStreamChunkAsync();
        body.Write("data: {\"n\":1}\n\n");
        Assert.That(Encoding.UTF8.GetString((await response.ReadStreamChunkAsync()).Span), Does.Contain("\"n\":1"));

        // The caller holds that chunk for 90 s: the stream's timer comes due with no read in flight and must neither cut
        // the stream nor stay stopped for the next read.
        host.Time.Advance(TimeSpan.FromSeconds(90));
        var idle = response.ReadStreamChunkAsync().AsTask();
        host.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.That(idle.IsCompleted, Is.False, "the idle timeout (60 s) counts from the read, not from the last timer");
        host.Time.Advance(TimeSpan.FromSeconds(1));
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await idle.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
    }

    [Test]
    public async Task StreamCutAfterFirstEvent_EndsWithError_AndNeverSplicesAnotherVendor()
    {
        using var host = Start(_mock);
        var body = VendorAStreams();
        body.Write("data: {\"n\":0}\n\n");
        await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(true)));
        Assert.That(response.Llm, Is.EqualTo("a"));
        await response.ReadStreamChunkAsync();
        body.End();
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await response.ReadStreamChunkAsync());
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
        Assert.That(_callsB, Is.EqualTo(0), "after the first byte nothing fails over");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task EachVendorTriedAtMostOnce_AndMaxAttemptsHonoured(bool streaming)
    {
        _streaming = streaming;
        using var host = Start(_mock, vendorCount: 3);
        var callsC = 0;
        _mock.When(UrlC, (_, _) =>
        {
            Interlocked.Increment(ref callsC);
            return Task.FromResult(Status(HttpStatusCode.BadGateway));
        });
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.InternalServerError));
        _vendorB = (_, _) => Task.FromResult(Status(HttpStatusCode.GatewayTimeout));

        var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(streaming));
        Assert.That(error!.StatusCode, Is.EqualTo(502));
        Assert.That(error.Attempts, Is.EqualTo(3));
        Assert.That((_callsA, _callsB, callsC), Is.EqualTo((1, 1, 1)));
        await Task.CompletedTask;
    }

    [Test]
    public async Task RoundRobin_StaysEvenAmongVendorsThatAreNotCooling()
    {
        using var host = Start(_mock, vendorCount: 3);
        var callsC = 0;
        _mock.When(UrlC, (_, _) =>
        {
            Interlocked.Increment(ref callsC);
            return Task.FromResult(Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(1))));
        });
        for (var i = 0; i < 3; i++)
        {
            await host.SendAsync(false); // C answers 429 on its first turn and cools
        }

        (_callsA, _callsB) = (0, 0);
        for (var i = 0; i < 40; i++)
        {
            await host.SendAsync(false);
        }

        Assert.That((_callsA, _callsB), Is.EqualTo((20, 20)));
        Assert.That(callsC, Is.EqualTo(1));
    }

    [Test]
    public async Task Reload_KeepsCooldownOfUnchangedVendor_ResetsItWhenKeyChanges()
    {
        using var host = Start(_mock);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.Unauthorized));
        await host.SendAsync(false);
        Assert.That(_callsA, Is.EqualTo(1));

        host.Store.Update(Config(2) with { Revision = "" });
        await host.Snapshots.ReloadAsync();
        await host.SendAsync(false);
        await host.SendAsync(false);
        Assert.That(_callsA, Is.EqualTo(1), "an unchanged LLM keeps its cooldown across a reload");

        _vendorA = (_, _) => Task.FromResult(Ok(false, "a"));
        host.Store.Update(Config(2, keyA: "rotated-key-a"));
        await host.Snapshots.ReloadAsync();
        var served = new[] { await host.SendAsync(false), await host.SendAsync(false) };
        Assert.That(served, Does.Contain("a"), "a rotated key starts healthy");
    }

    [Test]
    public async Task Regression_CancelledHalfOpenTrial_DoesNotCloseTheBreaker()
    {
        using var host = Start(_mock, configure: o =>
        {
            o.FailureThreshold = 3;
            o.CooldownSeconds = 30;
        });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hang = false;
        _vendorA = async (_, ct) =>
        {
            if (hang)
            {
                Volatile.Read(ref entered).TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return Status(HttpStatusCode.InternalServerError);
        };
        for (var i = 0; i < 12 && _callsA < 3; i++)
        {
            await host.SendAsync(false); // until A failed three times: its breaker opens
        }

        Assert.That(_callsA, Is.EqualTo(3));

        host.Time.Advance(TimeSpan.FromSeconds(31));
        hang = true;
        var trialCancelled = false;
        for (var i = 0; i < 4 && !trialCancelled; i++)
        {
            // Round-robin decides whose turn it is; send until the half-open trial reaches A, then cancel it.
            using var cts = new CancellationTokenSource();
            Volatile.Write(ref entered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var pending = host.SendAsync(false, cts.Token);
            if (await Task.WhenAny(entered.Task, pending).WaitAsync(TimeSpan.FromSeconds(10)) == entered.Task)
            {
                await cts.CancelAsync();
                Assert.That(async () => await pending, Throws.InstanceOf<OperationCanceledException>());
                trialCancelled = true;
            }
        }

        Assert.That(trialCancelled, Is.True, "the half-open trial reached A");

        hang = false;
        var callsBefore = _callsA;
        for (var i = 0; i < 6; i++)
        {
            Assert.That(await host.SendAsync(false), Is.EqualTo("b"));
        }

        Assert.That(_callsA - callsBefore, Is.EqualTo(1), "one new trial, which fails and re-opens: the cancel closed nothing");
    }

    [Test]
    public void Regression_RetryAfterToClient_IsCappedLikeTheCooldown()
    {
        using var host = Start(_mock, configure: o => o.MaxRetryAfterSeconds = 60);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.TooManyRequests, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromHours(1))));
        _vendorB = _vendorA;
        var error = Assert.ThrowsAsync<ModelRouterException>(() => host.SendAsync(false));
        Assert.That(error!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public async Task Regression_AbsurdRetryAfterMs_IsCappedAndTheTrialIsReleased()
    {
        using var host = Start(_mock, configure: o => o.MaxRetryAfterSeconds = 60);
        var answer = "1e30";
        _vendorA = (_, _) => Task.FromResult(answer == "ok"
            ? Ok(false, "a")
            : Status(HttpStatusCode.TooManyRequests, r => r.Headers.TryAddWithoutValidation("retry-after-ms", answer)));
        Assert.That(await host.SendAsync(false), Is.EqualTo("b"));
        host.Time.Advance(TimeSpan.FromSeconds(61));
        answer = "Infinity";
        await host.SendAsync(false);
        await host.SendAsync(false);
        answer = "ok";
        host.Time.Advance(TimeSpan.FromSeconds(61));
        var served = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            served.Add(await host.SendAsync(false));
        }

        Assert.That(served.Count(v => v == "a"), Is.EqualTo(2), "the vendor came back after the capped cooldown");
    }

    [Test]
    public async Task Regression_PoolOverride_StillFailsOverOnRejectedCredentials()
    {
        using var host = Start(_mock, failoverStatusCodes: [500, 502, 503]);
        _vendorA = (_, _) => Task.FromResult(Status(HttpStatusCode.Unauthorized));
        Assert.That(await host.SendAsync(false), Is.EqualTo("b"), "a vendor's 401 never reaches the client, whatever the pool's list");
    }

    [Test]
    public async Task Regression_StalledErrorBody_StillPassesTheStatusThrough()
    {
        using var host = Start(_mock);
        var body = new ScriptedStream();
        _vendorA = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        });
        var pending = host.SendAsync(false);
        await body.FirstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Time.Advance(TimeSpan.FromSeconds(61));
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(error!.StatusCode, Is.EqualTo(400));
        Assert.That(_callsB, Is.EqualTo(0));
    }

    [Test]
    public async Task Regression_DoneTextInsideContent_IsNotTheEndOfTheStream()
    {
        using var host = Start(_mock, vendorCount: 1);
        var body = VendorAStreams();
        body.Write("data: {\"choices\":[{\"delta\":{\"content\":\"say data: [DONE]\"}}]}\n\n");
        await using var response = await host.Router.RouteAsync(new ModelRouterRequest("prod", Body(true)));
        await response.ReadStreamChunkAsync();
        body.End();
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await response.ReadStreamChunkAsync());
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
    }

    /// <summary>Makes vendor A answer 200 with an event stream whose bytes the test writes as it goes.</summary>
    private ScriptedStream VendorAStreams()
    {
        var body = new ScriptedStream();
        _vendorA = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("text/event-stream") } },
        });
        return body;
    }

    private static void SetRetryAfter(HttpResponseMessage response, string form, TimeSpan wait, DateTimeOffset now)
    {
        switch (form)
        {
            case "retry-after-seconds":
                response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
                break;
            case "retry-after-date":
                response.Headers.RetryAfter = new RetryConditionHeaderValue(now + wait);
                break;
            default:
                response.Headers.TryAddWithoutValidation("retry-after-ms", ((int)wait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }
}
