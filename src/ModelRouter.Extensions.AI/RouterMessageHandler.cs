using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelRouter.Routing;

namespace ModelRouter.Extensions.AI;

/// <summary>
/// The OpenAI library's transport for an in-process router: each chat completion request it builds goes to
/// <see cref="IModelRouter.RouteAsync"/> instead of the network, and the router's answer or error comes back as the
/// HTTP response the library expects.
/// </summary>
internal sealed class RouterMessageHandler(IModelRouter router, string routerSlug, ModelRouterChatClientOptions options) : HttpMessageHandler
{
    /// <summary>The base address the OpenAI library builds request URIs from; nothing is ever sent to it.</summary>
    public static readonly Uri Endpoint = new("http://127.0.0.1/modelrouter/v1");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Post || request.RequestUri?.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
        {
            return Error(HttpStatusCode.NotFound, "The router in process serves chat completions only.", "invalid_request_error", "not_found", null, null);
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        ModelRouterResponse answer;
        try
        {
            answer = await router.RouteAsync(
                new ModelRouterRequest(routerSlug, body) { AppKey = options.AppKey, TrustedCaller = options.TrustedCaller },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ModelRouterException ex)
        {
            return Error((HttpStatusCode)ex.StatusCode, ex.Message, ex.ErrorType, ex.ErrorCode, ex.Param, ex.RetryAfter);
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
        if (answer.IsStreaming)
        {
            response.Content = new StreamContent(new AnswerStream(answer));
        }
        else
        {
            // The body sits in a pooled buffer until the answer is disposed: copy it out, then let it go.
            await using (answer.ConfigureAwait(false))
            {
                response.Content = new ByteArrayContent(answer.Content.ToArray());
            }
        }

        response.Content.Headers.ContentType = new MediaTypeHeaderValue(answer.ContentType);
        response.Headers.TryAddWithoutValidation(ModelRouterHeaders.Llm, answer.Llm);
        return response;
    }

    /// <summary>The router's error in the OpenAI envelope, with its status and <c>Retry-After</c>.</summary>
    private static HttpResponseMessage Error(HttpStatusCode status, string message, string type, string? code, string? param, TimeSpan? retryAfter)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            json.WriteString("param", param);
            json.WriteString("code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(buffer.ToArray()) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
        }

        return response;
    }
}
