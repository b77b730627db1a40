using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RichardSzalay.MockHttp;

namespace ModelRouter.AspNetCore.Tests.Common;

/// <summary>OpenAI-shaped answers for MockHttp vendors, and a record of every call they got.</summary>
internal sealed class FakeVendors
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
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Sse(model!, reply), Encoding.UTF8, "text/event-stream") }
            : Json(HttpStatusCode.OK, Completion(model!, reply));
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

    public static string Completion(string model, string reply)
        => $$"""{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":{{JsonSerializer.Serialize(model)}},"choices":[{"index":0,"message":{"role":"assistant","content":{{JsonSerializer.Serialize(reply)}}},"finish_reason":"stop"}]}""";

    public static string Sse(string model, string reply)
    {
        var sse = new StringBuilder();
        foreach (var word in reply.Split(' '))
        {
            sse.Append(CultureInfo.InvariantCulture, $$"""data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":{{JsonSerializer.Serialize(model)}},"choices":[{"index":0,"delta":{"content":{{JsonSerializer.Serialize(word)}}},"finish_reason":null}]}""").Append("\n\n");
        }

        return sse.Append("data: [DONE]\n\n").ToString();
    }

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
