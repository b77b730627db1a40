using ModelRouter.Configuration;
using ModelRouter.Routing;
using static ModelRouter.Testing.FailoverVendors;

namespace ModelRouter.Tests.Routing;

/// <summary>One deadline per request: attempts share it, none starts after it, and when it passes the answer is 504 with the trail.</summary>
public class DeadlineTests
{
    private ScriptedVendors _mock = null!;
    private int _calls;
    private TaskCompletionSource _entered = null!;

    [SetUp]
    public void SetUp()
    {
        _mock = new ScriptedVendors();
        _calls = 0;
        _entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var url in new[] { UrlA, UrlB })
        {
            // A vendor that never answers, until the router gives up on it.
            _mock.When(url, async (_, ct) =>
            {
                Interlocked.Increment(ref _calls);
                _entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException("unreachable");
            });
        }
    }

    [TearDown]
    public void TearDown() => _mock.Dispose();

    /// <summary>Vendors "a" and "b" with a 1 s headers timeout, and router "prod" with <paramref name="routerTimeoutSeconds"/>.</summary>
    private RouterHarness Host(double? routerTimeoutSeconds = null)
    {
        var config = Config(2);
        config = config with
        {
            Llms = [.. config.Llms.Select(l => l with { TimeoutSeconds = 1 })],
            Routers = [config.Routers[0] with { RequestTimeoutSeconds = routerTimeoutSeconds }],
        };
        return RouterHarness.Create(_mock, config, o => o.RequireAppKey = false);
    }

    private static async Task<ModelRouterException> FailsAsync(Task<ModelRouterResponse> pending)
    {
        try
        {
            await using var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (ModelRouterException ex)
        {
            return ex;
        }

        Assert.Fail("The request was expected to fail.");
        throw new InvalidOperationException("unreachable");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RouteAsync_DeadlineShorterThanTheHeadersTimeout_Is504AtTheDeadline_WithNoAttemptStartedLate(bool streaming)
    {
        await using var host = Host();
        var request = new ModelRouterRequest("prod", Body(streaming)) { Timeout = TimeSpan.FromMilliseconds(300) };

        var pending = host.Router.RouteAsync(request).AsTask();
        await _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Time.Advance(TimeSpan.FromMilliseconds(299));
        await Task.Delay(20);
        Assert.That(pending.IsCompleted, Is.False, "the deadline has not passed yet");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var error = await FailsAsync(pending);

        Assert.Multiple(() =>
        {
            Assert.That(error.StatusCode, Is.EqualTo(504));
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
            Assert.That(error.Trail, Does.Match("^[ab]=timeout$"));
            Assert.That(_calls, Is.EqualTo(1), "no attempt starts once the deadline has passed");
        });
    }

    [Test]
    public async Task RouteAsync_AttemptsShareTheDeadline_EachWaitsTheLesserOfItsTimeoutAndWhatIsLeft()
    {
        await using var host = Host();
        var request = new ModelRouterRequest("prod", Body(false)) { Timeout = TimeSpan.FromMilliseconds(1500) };

        var pending = host.Router.RouteAsync(request).AsTask();
        await _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The first vendor's own 1 s headers timeout runs out first: the second gets the 0.5 s that is left.
        _entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Time.Advance(TimeSpan.FromMilliseconds(499));
        await Task.Delay(20);
        Assert.That(pending.IsCompleted, Is.False);
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var error = await FailsAsync(pending);

        Assert.That(error.StatusCode, Is.EqualTo(504));
        Assert.That(error.Attempts, Is.EqualTo(2));
        Assert.That(error.Trail, Does.Match("^[ab]=timeout;[ab]=timeout$"));
    }

    [Test]
    public async Task RouteAsync_RouterDefault_AppliesToARequestThatSetsNoDeadline()
    {
        await using var host = Host(routerTimeoutSeconds: 0.2);

        var pending = host.Router.RouteAsync(new ModelRouterRequest("prod", Body(false))).AsTask();
        await _entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Time.Advance(TimeSpan.FromMilliseconds(200));
        var error = await FailsAsync(pending);

        Assert.That(error.StatusCode, Is.EqualTo(504));
        Assert.That(_calls, Is.EqualTo(1));
    }

    [Test]
    public void Validate_RouterTimeoutOfZero_IsRefused()
    {
        var config = Config(1);
        config = config with { Routers = [config.Routers[0] with { RequestTimeoutSeconds = 0 }] };

        var errors = TestConfigs.Validator().ValidateFields(config);

        Assert.That(errors.Select(e => e.Path), Does.Contain("routers[0].requestTimeoutSeconds"));
    }
}
