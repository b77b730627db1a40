using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using RichardSzalay.MockHttp;

namespace ModelRouter.Testing;

/// <summary>Vendors behind a MockHttp handler answering in OpenAI's format (as <see cref="FakeVendor"/> does), and a record of every call they got.</summary>
internal sealed class MockVendors
{
    public MockHttpMessageHandler Handler { get; } = new();

    public ConcurrentQueue<(Uri Uri, string Body)> Calls { get; } = new();

    public static string Url(int port) => $"http://127.0.0.1:{port}/v1";

    public int CallsTo(int port) => Calls.Count(c => c.Uri.Port == port);

    /// <summary>Answers like an OpenAI vendor: a completion, or a stream when the body asks for one.</summary>
    public void Ok(int port, string reply) => On(port, async request =>
    {
        var body = await request.Content!.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var model = json.RootElement.GetProperty("model").GetString();
        var stream = json.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        return stream
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(FakeVendor.Events(model!, reply), Encoding.UTF8, "text/event-stream") }
            : Json(HttpStatusCode.OK, FakeVendor.Completion(model!, reply));
    });

    public void Status(int port, HttpStatusCode status, string body, Action<HttpResponseMessage>? decorate = null) => On(port, _ =>
    {
        var response = Json(status, body);
        decorate?.Invoke(response);
        return Task.FromResult(response);
    });

    public void Garbage(int port) => On(port, _ => Task.FromResult(
        new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>not json</html>", Encoding.UTF8, "text/html") }));

    /// <remarks>MockHttp never completes a request whose response delegate throws, so this uses its <c>Throw</c>.</remarks>
    public void Refused(int port) => Handler.When(HttpMethod.Post, $"{Url(port)}/chat/completions")
        .With(request =>
        {
            Calls.Enqueue((request.RequestUri!, ""));
            return true;
        })
        .Throw(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1)"));

    /// <summary>Never answers; only the router's own timeout ends the call (MockHttp honours the request's cancellation).</summary>
    public void Silent(int port) => Handler.When(HttpMethod.Post, $"{Url(port)}/chat/completions")
        .Respond(request =>
        {
            Calls.Enqueue((request.RequestUri!, ""));
            return new TaskCompletionSource<HttpResponseMessage>().Task;
        });

    private static HttpResponseMessage Json(HttpStatusCode status, string body)
        => new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private void On(int port, Func<HttpRequestMessage, Task<HttpResponseMessage>> respond)
        => Handler.When(HttpMethod.Post, $"{Url(port)}/chat/completions").Respond(async request =>
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync();
            Calls.Enqueue((request.RequestUri!, body));
            return await respond(request);
        });
}
