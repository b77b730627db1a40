using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ModelRouter.Routing;
using ModelRouter.Storage;

namespace ModelRouter.AspNetCore;

/// <summary>
/// The HTTP adapter over <see cref="IModelRouter"/> for every door of a router (chat completions, embeddings, Anthropic
/// Messages): reads the body once, writes the answer or the error (OpenAI's envelope; Anthropic's shape on the Messages door).
/// </summary>
internal sealed partial class ChatCompletionsEndpoint(IModelRouter router, ModelRouterSettings options, ILogger<ChatCompletionsEndpoint> logger)
{
    // A vendor that floods faster than it can be read is still relayed in steps of this size.
    private const int MaxUnflushedStreamBytes = 16 * 1024;

    // The largest write of a non-streamed answer: Kestrel's default response buffer (MaxResponseBufferSize).
    private const int MaxContentWriteBytes = 64 * 1024;

    /// <summary><c>POST .../v1/chat/completions</c>.</summary>
    public Task HandleAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.ChatCompletions);

    /// <summary><c>POST .../v1/embeddings</c>.</summary>
    public Task HandleEmbeddingsAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.Embeddings);

    /// <summary><c>POST .../v1/messages</c>: Anthropic's Messages API.</summary>
    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.Messages);

    /// <summary>The unified endpoint's <c>POST /v1/chat/completions</c>: the router is named by the model, <c>{router}/{model}</c>.</summary>
    public Task HandleUnifiedAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.ChatCompletions, unified: true);

    /// <summary>The unified endpoint's <c>POST /v1/embeddings</c>.</summary>
    public Task HandleUnifiedEmbeddingsAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.Embeddings, unified: true);

    /// <summary>The unified endpoint's <c>POST /v1/messages</c>.</summary>
    public Task HandleUnifiedMessagesAsync(HttpContext context) => HandleAsync(context, ModelRouterOperation.Messages, unified: true);

    private async Task HandleAsync(HttpContext context, ModelRouterOperation operation, bool unified = false)
    {
        var cancellationToken = context.RequestAborted;
        var slug = context.Request.RouteValues["slug"] as string ?? "";
        byte[]? body = null;
        try
        {
            var settings = options.Current;
            if (!JsonContentType.IsAcceptable(context.Request.ContentType))
            {
                throw new ModelRouterException(ModelRouterErrorKind.InvalidRequest, JsonContentType.Refusal)
                {
                    StatusCode = StatusCodes.Status415UnsupportedMediaType,
                    ErrorCode = "unsupported_media_type",
                };
            }

            var (buffer, length) = await RouterRequestReader.ReadBodyAsync(context.Request, settings.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
            body = buffer;
            var appName = AppKeyAuthenticationHandler.AppNameOf(context, settings.AppClaimType);
            var request = new ModelRouterRequest(slug, buffer.AsMemory(0, length))
            {
                AppKey = appName is null ? RouterRequestReader.ReadAppKey(context.Request, operation) : null,
                AppName = appName,
                Operation = operation,
                AnthropicVersion = operation == ModelRouterOperation.Messages ? RouterRequestReader.HeaderOrNull(context.Request, "anthropic-version") : null,
                AnthropicBeta = operation == ModelRouterOperation.Messages ? RouterRequestReader.HeaderOrNull(context.Request, "anthropic-beta") : null,
                RouterFromModel = unified,
                Timeout = RouterRequestReader.ReadTimeout(context.Request),
            };
            var response = await router.RouteAsync(request, cancellationToken).ConfigureAwait(false);
            await using (response.ConfigureAwait(false))
            {
                var headers = context.Response.Headers;
                RouterErrorWriter.WriteWhoServed(headers, response.Llm, response.Attempts, response.Trail);
                var vendorHeaders = response.VendorHeaders;
                for (var i = 0; i < vendorHeaders.Count; i++)
                {
                    headers.Append(vendorHeaders[i].Key, vendorHeaders[i].Value);
                }

                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = response.ContentType;
                if (!response.IsStreaming)
                {
                    var content = response.Content;
                    context.Response.ContentLength = content.Length;

                    // Kestrel copies each write whole into its own buffers before it waits for the client: a large answer
                    // goes out in slices, so that it is not held twice while a slow client reads it.
                    while (content.Length > MaxContentWriteBytes)
                    {
                        await context.Response.Body.WriteAsync(content[..MaxContentWriteBytes], cancellationToken).ConfigureAwait(false);
                        content = content[MaxContentWriteBytes..];
                    }

                    await context.Response.Body.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await StreamAsync(context, response, operation, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ModelRouterException ex) when (!context.Response.HasStarted)
        {
            // The router speaks of an app key; over HTTP the caller needs to hear where it goes.
            await RouterErrorWriter.WriteErrorAsync(context, ex.Kind == ModelRouterErrorKind.Unauthorized && RouterRequestReader.ReadAppKey(context.Request, operation) is null
                && AppKeyAuthenticationHandler.AppNameOf(context, options.Current.AppClaimType) is null
                ? new ModelRouterException(ModelRouterErrorKind.Unauthorized, operation == ModelRouterOperation.Messages
                    ? "No app key was sent. Send 'x-api-key: <app key>' or 'Authorization: Bearer <app key>'."
                    : "No app key was sent. Send 'Authorization: Bearer <app key>'.")
                : ex, operation).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // The server refused the body's framing, pace or size while it was read: the client's fault, not ours.
            var status = RequestBodyRefusal.StatusOf(ex);
            LogBodyRefused(logger, slug, status);
            await RouterErrorWriter.WriteErrorAsync(context, RouterRequestReader.BodyRefused(status), operation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (ModelRouterConfigurationException ex) when (!context.Response.HasStarted)
        {
            LogNotConfigured(logger, ex);
            await RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no valid configuration yet."), operation).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            LogUnexpected(logger, slug, ex);
            await RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.Internal, "The router failed unexpectedly."), operation).ConfigureAwait(false);
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    /// <summary>Answers any method but POST: 405, <c>Allow: POST</c> and the envelope (for HEAD, its headers only).</summary>
    public static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = HttpMethods.Post;
        return RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.MethodNotAllowed, $"Method {context.Request.Method} is not allowed here; use POST."));
    }

    /// <summary>Answers any method but POST on the Messages door: 405, <c>Allow: POST</c> and Anthropic's error shape.</summary>
    public static Task MessagesMethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = HttpMethods.Post;
        return RouterErrorWriter.WriteErrorAsync(
            context,
            new ModelRouterException(ModelRouterErrorKind.MethodNotAllowed, $"Method {context.Request.Method} is not allowed here; use POST."),
            ModelRouterOperation.Messages);
    }

    /// <summary>
    /// Relays the stream, flushing whenever the router has nothing more in hand (the next read has not completed at
    /// once) and at least every 16 KiB: events that arrived together leave in one write to the client instead of one
    /// each, and no event waits for the next.
    /// </summary>
    /// <remarks>A read still in flight when this returns (the client left) is cancelled and waited for when the response is disposed.</remarks>
    private async Task StreamAsync(HttpContext context, ModelRouterResponse response, ModelRouterOperation operation, CancellationToken cancellationToken)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var output = context.Response.BodyWriter;
        var unflushed = 0;
        try
        {
            var next = response.ReadStreamChunkAsync(cancellationToken);
            while (true)
            {
                if (!next.IsCompleted && unflushed > 0)
                {
                    unflushed = 0;
                    if ((await output.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                    {
                        return; // The client is gone.
                    }
                }

                var chunk = await next.ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    break;
                }

                // Copied into the response's own buffer: the chunk is only valid until the next read.
                output.Write(chunk.Span);
                unflushed += chunk.Length;
                if (unflushed >= MaxUnflushedStreamBytes)
                {
                    unflushed = 0;
                    if ((await output.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                    {
                        return;
                    }
                }

                next = response.ReadStreamChunkAsync(cancellationToken);
            }
        }
        catch (ModelRouterException ex)
        {
            // The status line is gone: tell the client in-band that the answer is incomplete, then end the response.
            LogStreamInterrupted(logger, response.Llm, response.RouterSlug, ex.ErrorCode ?? ex.Kind.ToString());
            RouterErrorWriter.WriteErrorEvent(output, ex, operation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Events may already sit in the response unflushed (the status line not yet sent): answering with a JSON
            // error now would mix the two, so this too ends the stream in-band.
            LogUnexpected(logger, response.RouterSlug, ex);
            RouterErrorWriter.WriteErrorEvent(output, new ModelRouterException(ModelRouterErrorKind.Internal, "The stream failed unexpectedly; the answer is incomplete."), operation);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4001, EventName = "UnexpectedEndpointError", Level = LogLevel.Error, Message = "Router {RouterSlug} failed unexpectedly.")]
    private static partial void LogUnexpected(ILogger logger, string routerSlug, Exception error);

    [LoggerMessage(EventId = 4002, EventName = "RouterNotConfigured", Level = LogLevel.Error, Message = "A request arrived while the router has no valid configuration.")]
    private static partial void LogNotConfigured(ILogger logger, Exception error);

    [LoggerMessage(EventId = 4004, EventName = "RequestBodyRefused", Level = LogLevel.Debug,
        Message = "The server refused the request body for router {RouterSlug} while it was read; the client was answered {StatusCode}.")]
    private static partial void LogBodyRefused(ILogger logger, string routerSlug, int statusCode);

    [LoggerMessage(EventId = 4003, EventName = "StreamInterrupted", Level = LogLevel.Warning,
        Message = "The stream from LLM {Llm} for router {RouterSlug} broke after it started ({Reason}); the client was sent an error event.")]
    private static partial void LogStreamInterrupted(ILogger logger, string llm, string routerSlug, string reason);
}
