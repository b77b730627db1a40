using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Primitives;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Storage;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>How <see cref="IModelRouter.RouteAsync"/> reports: refusals as a faulted task, and the first request waits for the configuration.</summary>
public partial class DefaultModelRouterTests
{
    [Test]
    public async Task RouteAsync_RefusedRequest_FaultsTheTaskInsteadOfThrowing()
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        await h.RouteFailsAsync(Bodies.Chat("gpt-4o"), appKey: "not-a-known-key"); // the configuration is loaded

        ValueTask<ModelRouterResponse> pending = default;
        Assert.DoesNotThrow(() => pending = h.RouteAsync(Bodies.Chat("gpt-4o"), appKey: "not-a-known-key"));
        Assert.That(pending.IsFaulted, Is.True);
        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await pending);
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.Unauthorized));
    }

    [Test]
    public void RouteAsync_NullRequest_FaultsTheTask()
    {
        using var services = new ServiceCollection().AddModelRouter().Services.BuildServiceProvider();
        var router = services.GetRequiredService<IModelRouter>();

        ValueTask<ModelRouterResponse> pending = default;
        Assert.DoesNotThrow(() => pending = router.RouteAsync(null!));
        Assert.ThrowsAsync<ArgumentNullException>(async () => await pending);
    }

    [Test]
    public async Task RouteAsync_AlreadyCancelled_ReturnsACancelledTask()
    {
        await using var h = RouterHarness.Create(OnePool("a"));

        var pending = h.RouteAsync(Bodies.Chat("gpt-4o"), cancellationToken: new CancellationToken(canceled: true));

        Assert.That(pending.IsCanceled, Is.True, "cancelled, as an async method reports it, not faulted");
    }

    [Test]
    public async Task RouteAsync_SendFailsAfterTheCallerCancelled_ReportsACancellationNotAVendorFailure()
    {
        using var caller = new CancellationTokenSource();
        var sends = 0;
        await using var h = RouterHarness.Create(OnePool("a", "b"), services: s => FailSendsAfter(s, () =>
        {
            Interlocked.Increment(ref sends);
            caller.Cancel();
        }));

        Assert.That(
            async () => await h.RouteAsync(Bodies.Chat("gpt-4o"), cancellationToken: caller.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(sends, Is.EqualTo(1), "a cancelled request does not fail over to b");
    }

    [Test]
    public async Task RouteAsync_SendFailsAfterTheHeadersTimeout_IsATimeout()
    {
        RouterHarness? harness = null;
        await using var h = harness = RouterHarness.Create(
            OnePool("a"), services: s => FailSendsAfter(s, () => harness!.Time.Advance(TimeSpan.FromSeconds(101)))); // past the 100 s headers timeout

        var error = await h.RouteFailsAsync(Bodies.Chat("gpt-4o"));

        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamTimeout));
            Assert.That(error.StatusCode, Is.EqualTo(504));
            Assert.That(error.Message, Does.Contain("no response headers within 100 s"));
        });
    }

    /// <summary>
    /// Every upstream send runs <paramref name="before"/> and then fails with <see cref="HttpRequestException"/> whatever its
    /// token says, as SocketsHttpHandler may when a cancellation interrupts a send (MockHttp reports a cancellation instead).
    /// </summary>
    private static void FailSendsAfter(IServiceCollection services, Action before)
        => services.AddHttpClient(ModelRouterDefaults.HttpClientName).AddHttpMessageHandler(() => new FailingSendHandler(before));

    [TestCase(false, typeof(InvalidOperationException))] // not a stream
    [TestCase(true, typeof(ObjectDisposedException))]    // a stream, already disposed
    public async Task ReadStreamChunkAsync_Misuse_FaultsTheTaskInsteadOfThrowing(bool streaming, Type expected)
    {
        await using var h = RouterHarness.Create(OnePool("a"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(streaming));
        var response = await h.RouteAsync(Bodies.Chat("gpt-4o", streaming));
        await response.DisposeAsync();

        ValueTask<ReadOnlyMemory<byte>> pending = default;
        Assert.DoesNotThrow(() => pending = response.ReadStreamChunkAsync());
        Assert.That(async () => await pending, Throws.TypeOf(expected));
    }

    [Test]
    public async Task RouteAsync_ConfigurationStillLoading_WaitsForItThenRoutes()
    {
        var store = new SlowStore(OnePool("a"));
        await using var h = RouterHarness.Create(OnePool("a"), services: s => s.Replace(ServiceDescriptor.Singleton<IRouterStore>(store)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        var pending = h.RouteAsync(Bodies.Chat("gpt-4o"));
        Assert.That(pending.IsCompleted, Is.False, "the first request must wait for the store");
        store.Release();
        await using var response = await pending;

        Assert.That(response.Llm, Is.EqualTo("a"));
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_ConfigurationStillLoading_RefusalStillFaultsTheTask()
    {
        var store = new SlowStore(OnePool("a"));
        await using var h = RouterHarness.Create(OnePool("a"), services: s => s.Replace(ServiceDescriptor.Singleton<IRouterStore>(store)));

        var pending = h.RouteAsync(Bodies.Chat("gpt-4o"), slug: "no-such-router");
        store.Release();

        var error = Assert.ThrowsAsync<ModelRouterException>(async () => await pending);
        Assert.That(error!.Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
    }

    /// <summary>A store whose first read completes only when the test says so.</summary>
    private sealed class SlowStore(ModelRouterConfig config) : IRouterStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public async ValueTask<ModelRouterConfig> GetConfigAsync(CancellationToken cancellationToken = default)
        {
            await _released.Task.WaitAsync(cancellationToken);
            return config;
        }

        public IChangeToken GetChangeToken() => new CancellationChangeToken(CancellationToken.None);
    }

    private sealed class FailingSendHandler(Action before) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            before();
            return Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "The connection was reset."));
        }
    }
}
