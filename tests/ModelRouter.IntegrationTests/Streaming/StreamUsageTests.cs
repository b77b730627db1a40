using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Diagnostics;

namespace ModelRouter.IntegrationTests.Streaming;

/// <summary>
/// Token usage of OpenAI-compatible streams over real HTTP: the router asks the vendor for usage whether or not the client
/// did, and the client sees the usage event only when it asked. The fake vendor sends that event only when asked.
/// </summary>
[TestFixture]
public sealed class StreamUsageTests
{
    private const string Reply = "three words here";
    private const string AppKey = "usage-app-key-1";
    private readonly RecordingObserver _observer = new();
    private FakeVendor _vendor = null!;
    private RouterHost _router = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await FakeVendor.StartAsync("usage", (context, request) => FakeVendor.AnswerAsync(context, request, Reply));
        _router = await RouterHost.StartAsync(
            new RouterSettings().Llm(_vendor).Router("prod", RouterSettings.Vendor("usage")).App("usage-app", AppKey, "prod"),
            configureHost: builder => builder.Services.AddSingleton<IModelRouterObserver>(_observer));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [Test]
    public async Task Stream_ClientDidNotAsk_NoUsageEventReachesTheClientButTheRecordHasTheTokens()
    {
        var text = await StreamAsync("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true}""");

        var record = await _observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(_vendor.Requests.Last().IncludeUsage, Is.True, "the router asked the vendor");
            Assert.That(text, Is.EqualTo(FakeVendor.Events("gpt-4o", Reply)));
            Assert.That((record.InputTokens, record.OutputTokens), Is.EqualTo(((long?)FakeVendor.StreamInputTokens, (long?)3)));
            Assert.That(record.StreamEnd, Is.EqualTo(ModelRouterStreamEnd.Completed));
        });
    }

    [Test]
    public async Task Stream_ClientAsked_TheUsageEventPassesUnchangedAndTheRecordHasTheTokens()
    {
        var text = await StreamAsync("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""");

        var record = await _observer.NextAsync();
        var expected = FakeVendor.Events("gpt-4o", Reply).Replace("data: [DONE]", "data: " + FakeVendor.UsageChunk("gpt-4o", Reply) + "\n\ndata: [DONE]", StringComparison.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo(expected));
            Assert.That((record.InputTokens, record.OutputTokens), Is.EqualTo(((long?)FakeVendor.StreamInputTokens, (long?)3)));
        });
    }

    private async Task<string> StreamAsync(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/router/prod/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AppKey);
        using var response = await _router.Client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadAsStringAsync();
    }
}
