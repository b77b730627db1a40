using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Forwarding;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Forwarding;

/// <summary>Upstream requests go through the factory's handler pipeline, following the factory when it rotates handlers.</summary>
public class UpstreamInvokerTests
{
    [Test]
    public void Current_SameHandler_ReusesTheInvoker()
    {
        var factory = new RotatingHandlerFactory();
        var invoker = new UpstreamInvoker(factory);

        var first = invoker.Current;
        var second = invoker.Current;

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(factory.Requested, Is.EqualTo(new[] { ModelRouterDefaults.HttpClientName, ModelRouterDefaults.HttpClientName }));
        });
    }

    [Test]
    public async Task Current_FactoryRotatesItsHandler_SendsThroughTheNewOne()
    {
        var factory = new RotatingHandlerFactory();
        var invoker = new UpstreamInvoker(factory);
        using var before = await invoker.Current.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"), CancellationToken.None);

        factory.Rotate();
        var afterRotation = invoker.Current;
        using var after = await afterRotation.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(before.Headers.GetValues("x-handler").Single(), Is.EqualTo("1"));
            Assert.That(after.Headers.GetValues("x-handler").Single(), Is.EqualTo("2"));
            Assert.That(invoker.Current, Is.SameAs(afterRotation));
        });
    }

    [Test]
    public async Task RouteAsync_DelegatingHandlerOfTheNamedClient_SeesEveryUpstreamRequest()
    {
        var seen = new List<Uri?>();
        await using var h = RouterHarness.Create(OnePool("a"), services: s => s
            .AddHttpClient(ModelRouterDefaults.HttpClientName)
            .AddHttpMessageHandler(() => new RecordingHandler(seen)));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));

        await using var response = await h.RouteAsync(Bodies.Chat("gpt-4o"));

        Assert.Multiple(() =>
        {
            Assert.That(response.Llm, Is.EqualTo("a"));
            Assert.That(seen, Is.EqualTo(new[] { new Uri(ChatUrl("a")) }));
        });
    }

    private sealed class RotatingHandlerFactory : IHttpMessageHandlerFactory
    {
        private int _generation = 1;
        private HttpMessageHandler _handler = Answering(1);

        public List<string> Requested { get; } = [];

        public HttpMessageHandler CreateHandler(string name)
        {
            Requested.Add(name);
            return _handler;
        }

        public void Rotate() => _handler = Answering(++_generation);

        private static MockHttpMessageHandler Answering(int generation)
        {
            var handler = new MockHttpMessageHandler();
            handler.When("*").Respond(_ =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK);
                response.Headers.Add("x-handler", generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return response;
            });
            return handler;
        }
    }

    private sealed class RecordingHandler(List<Uri?> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(request.RequestUri);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
