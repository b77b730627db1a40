using System.Globalization;
using System.Net;

namespace ModelRouter.IntegrationTests.Endpoint;

/// <summary>Every method but POST on real Kestrel: 405, <c>Allow: POST</c> and the OpenAI envelope (for HEAD, its headers only).</summary>
[TestFixture]
public sealed class MethodNotAllowedTests
{
    private const string Path = "router/methods/v1/chat/completions";

    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var nowhere = $"http://127.0.0.1:{LoopbackApp.RefusedPort().ToString(CultureInfo.InvariantCulture)}/v1";
        _router = await RouterHost.StartAsync(new RouterSettings()
            .Llm("nowhere", nowhere, "llm-key-nowhere")
            .Router("methods", RouterSettings.Vendor("nowhere"))
            .App("methods", "app-key-methods-0007", "methods"));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _router.DisposeAsync();

    [TestCase("GET")]
    [TestCase("OPTIONS")]
    [TestCase("TRACE")]
    [TestCase("PROPFIND")]
    public async Task Send_MethodOtherThanPost_Returns405EnvelopeWithAllowPost(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), Path);

        using var response = await _router.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), text);
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "POST" }));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var error = ErrorEnvelope.AssertBody(text);
        Assert.That(error.Code, Is.EqualTo("method_not_allowed"));
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
        Assert.That(error.Message, Does.Contain(method).And.Contain("POST"));
    }

    [Test]
    public async Task Send_Head_Returns405WithAllowPostAndEnvelopeHeadersOnly()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Path);

        using var response = await _router.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { "POST" }));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Content.Headers.ContentLength, Is.GreaterThan(0));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);

        // The connection is still good for the next request: Kestrel took the HEAD answer as complete.
        using var next = await _router.Client.GetAsync(Path);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }
}
