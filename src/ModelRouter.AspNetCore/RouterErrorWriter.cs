using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using ModelRouter.Routing;

namespace ModelRouter.AspNetCore;

/// <summary>
/// Writes a router's refusals and failures over HTTP, for every endpoint of the package: OpenAI's envelope, or Anthropic's
/// error shape on the Messages door, with the status, <c>Retry-After</c> and the headers that say who was tried.
/// </summary>
internal static class RouterErrorWriter
{
    private static readonly byte[] s_dataPrefix = "data: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_errorEventPrefix = "event: error\ndata: "u8.ToArray();

    // Attempt counts as header values, made once: nearly every answer says "1".
    private static readonly StringValues[] s_attemptCounts = [.. Enumerable.Range(0, 17).Select(n => new StringValues(n.ToString(CultureInfo.InvariantCulture)))];

    /// <summary>Writes the headers that say who served or was tried: the LLM, the number of attempts and the trail; each only when known.</summary>
    public static void WriteWhoServed(IHeaderDictionary headers, string? llm, int attempts, string? trail)
    {
        if (llm is not null)
        {
            headers[ModelRouterHeaders.Llm] = llm;
        }

        if (attempts > 0)
        {
            headers[ModelRouterHeaders.Attempts] = (uint)attempts < (uint)s_attemptCounts.Length
                ? s_attemptCounts[attempts]
                : new StringValues(attempts.ToString(CultureInfo.InvariantCulture));
        }

        if (trail is not null)
        {
            headers[ModelRouterHeaders.Trail] = trail;
        }
    }

    /// <summary>Ends a broken stream with one error event: OpenAI's envelope in a <c>data:</c> line, or Anthropic's <c>event: error</c>.</summary>
    public static void WriteErrorEvent(PipeWriter output, ModelRouterException error, ModelRouterOperation operation)
    {
        output.Write(s_eventEnd);
        if (operation == ModelRouterOperation.Messages)
        {
            output.Write(s_errorEventPrefix);
            output.Write(AnthropicErrorEnvelope.ToUtf8Bytes(error));
        }
        else
        {
            output.Write(s_dataPrefix);
            output.Write(OpenAIErrorEnvelope.ToUtf8Bytes(error));
        }

        output.Write(s_eventEnd);
    }

    /// <summary>Writes the error with its status and headers: OpenAI's envelope, or Anthropic's shape on the Messages door.</summary>
    public static async Task WriteErrorAsync(HttpContext context, ModelRouterException error, ModelRouterOperation operation = ModelRouterOperation.ChatCompletions)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        WriteWhoServed(response.Headers, error.Llm, error.Attempts, error.Trail);
        var payload = operation == ModelRouterOperation.Messages ? AnthropicErrorEnvelope.ToUtf8Bytes(error) : OpenAIErrorEnvelope.ToUtf8Bytes(error);
        response.ContentLength = payload.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            // A HEAD answer has the headers of the answer to GET, and never a body (RFC 9110, 9.3.2).
            return;
        }

        try
        {
            await response.Body.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away while we answered.
        }
    }
}
