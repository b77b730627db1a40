using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Upstream;

namespace ModelRouter.Forwarding;

/// <summary>
/// One try at one vendor: builds and sends the request, runs its three timeouts (connect, response headers, stream idle),
/// opens and wraps a stream, and comes to one <see cref="AttemptOutcome"/>.
/// </summary>
/// <remarks>
/// What the vendor did is always an outcome, never an exception. Only two things leave as exceptions: a request whose
/// fields the provider cannot translate (<see cref="ModelRouterErrorKind.InvalidRequest"/>, before anything is sent) and
/// the caller's cancellation.
/// </remarks>
internal sealed class VendorAttempt(UpstreamInvoker upstream, ProviderAdapters adapters, TimeProvider timeProvider)
{
    /// <summary>Tells whether <paramref name="vendor"/>'s provider serves <paramref name="operation"/>; one that does not is no candidate.</summary>
    public bool Serves(VendorSnapshot vendor, ModelRouterOperation operation) => adapters.For(vendor.Llm).Serves(operation);

    /// <param name="pool">The pool the vendor belongs to.</param>
    /// <param name="vendor">The vendor.</param>
    /// <param name="body">The request.</param>
    /// <param name="settings">The host settings.</param>
    /// <param name="deadline">The request's deadline, or <see langword="null"/>: the wait for the response headers, and for
    /// a stream's first event or a JSON body, ends at it if it comes before the LLM's own timeout.</param>
    /// <param name="wantsUsage">Whether the router wants the answer's token usage, asking a stream for it if needed.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AttemptOutcome> SendAsync(
        PoolSnapshot pool, VendorSnapshot vendor, ChatRequestBody body, ModelRouterOptions settings, DateTimeOffset? deadline, bool wantsUsage, CancellationToken cancellationToken)
    {
        var llm = vendor.Llm;
        var adapter = adapters.For(llm);
        var target = vendor.Map(body.Model, out var targetJson);
        if (targetJson.IsEmpty)
        {
            // Empty unless the body's own model is not the name to send (the unified endpoint's "{router}/{model}").
            targetJson = body.ModelJson;
        }

        var context = new ProviderRequestContext(llm, body, target, targetJson, settings.MaxResponseBodyBytes)
        {
            WantsUsage = wantsUsage && body.Stream && body.Operation == ModelRouterOperation.ChatCompletions,
        };
        var resources = new AttemptResources(timeProvider, cancellationToken);
        var handedOver = false;
        try
        {
            var cutByDeadline = Limit(llm.HeadersTimeout, deadline, out var headersTimeout);
            resources.Timeout.CancelAfter(headersTimeout);
            HttpResponseMessage response;
            try
            {
                using var message = CreateRequest(adapter, llm, context);
                response = await upstream.Current.SendAsync(message, resources.Timeout.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (cancellationToken.IsCancellationRequested)
            {
                // The handler may fail a send that cancellation interrupted; HttpClient used to report that as a cancellation, and so do we.
                throw new OperationCanceledException("The request was cancelled.", ex, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && (ex is OperationCanceledException || (ex is HttpRequestException && resources.Timeout.IsCancellationRequested)))
            {
                // Only the headers timeout cancels this send now; the handler reports that as a cancellation or as a failed send.
                if (cutByDeadline)
                {
                    return AttemptOutcome.Failed(AttemptFailure.Deadline(llm.Id, 0));
                }

                return Broken(llm, 0, $"no response headers within {llm.HeadersTimeout.TotalSeconds:0.###} s", isTimeout: true);
            }
            catch (HttpRequestException ex)
            {
                return Broken(llm, 0, $"connection failed: {ex.HttpRequestError}");
            }

            resources.Response = response;
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300)
            {
                var retryAfter = UpstreamHttp.GetRetryAfter(response, timeProvider.GetUtcNow());
                var failure = AttemptFailure.FromStatus(llm.Id, status, pool.Config.FailoverStatusCodes, retryAfter, llm.Health.Settings);
                if (retryAfter is null && failure.Verdict is AttemptVerdict.RateLimited or AttemptVerdict.Failed && adapter is IVendorRetryInfo retryInfo
                    && await ReadRetryDelayAsync(retryInfo, llm, response, resources, cancellationToken).ConfigureAwait(false) is { } delay)
                {
                    failure = AttemptFailure.FromStatus(llm.Id, status, pool.Config.FailoverStatusCodes, delay, llm.Health.Settings);
                }

                if (failure.Verdict != AttemptVerdict.Rejected)
                {
                    return AttemptOutcome.Failed(failure);
                }

                var error = await ReadRejectionAsync(adapter, llm, response, context, resources, cancellationToken).ConfigureAwait(false);
                return AttemptOutcome.Failed(AttemptFailure.IsContextWindowExceeded(status, error)
                    ? AttemptFailure.ContextWindowExceeded(llm.Id, status, error)
                    : AttemptFailure.Rejected(llm.Id, status, error));
            }

            if (UpstreamHttp.HasContentEncoding(response))
            {
                // The router never asks for compression (no Accept-Encoding; a host handler that decompresses removes the
                // header), so a compressed answer cannot be relayed or translated: an invalid response, failed over before
                // any of it reaches the client.
                return Broken(llm, status, "the response has a Content-Encoding the router did not ask for");
            }

            cutByDeadline = Limit(llm.StreamIdleTimeout, deadline, out var firstTimeout);
            resources.Timeout.CancelAfter(firstTimeout);
            if (body.Stream && IsEventStream(response.Content.Headers.ContentType))
            {
                var stream = new IdleTimeoutEventStream(adapter.OpenStream(response, context), resources, llm.StreamIdleTimeout, llm.Health);
                ReadOnlyMemory<byte> first;
                try
                {
                    // Read the first chunk before answering: until a byte reaches the client, another vendor may still take over.
                    first = await stream.ReadFirstAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && AttemptFailure.IsVendorFault(ex))
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    var timedOut = ex is OperationCanceledException;
                    if (timedOut && cutByDeadline)
                    {
                        return AttemptOutcome.Failed(AttemptFailure.Deadline(llm.Id, status));
                    }

                    return Broken(llm, status, timedOut ? "the stream sent nothing in time" : "the stream broke before its first event", timedOut);
                }

                // The stream commits at its first event with part of the answer (the built-in adapters hold a role-only
                // preamble until then): an error or the end before any content fails over, with nothing sent. Only chat
                // completions have this shape; the Messages door's readers hold their own preamble.
                var kind = body.Operation == ModelRouterOperation.ChatCompletions ? ChatAnswerShape.ClassifyEvents(first.Span, out _) : ChatEventKind.Content;
                if (kind is ChatEventKind.Done or ChatEventKind.Error or ChatEventKind.Invalid)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return kind == ChatEventKind.Done
                        ? AttemptOutcome.Failed(AttemptFailure.Empty(llm.Id, status, "the stream ended without any content"))
                        : Broken(llm, status, kind == ChatEventKind.Error ? "the stream reported an error before any content" : "the stream's first event was not valid");
                }

                handedOver = true;
                return AttemptOutcome.Streamed(target, stream, first, resources, RateLimitHeaders.Select(response, llm.Secrets));
            }

            ReadOnlyMemory<byte> answer;
            try
            {
                answer = await adapter.ReadResponseAsync(response, context, resources.Timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && AttemptFailure.IsVendorFault(ex))
            {
                var timedOut = ex is OperationCanceledException;
                if (timedOut && cutByDeadline)
                {
                    return AttemptOutcome.Failed(AttemptFailure.Deadline(llm.Id, status));
                }

                return Broken(llm, status, timedOut ? "the response body did not arrive in time" : "the response was not valid", timedOut);
            }

            if (body.Operation == ModelRouterOperation.ChatCompletions && !ChatAnswerShape.HasUsableChoice(answer.Span))
            {
                // A 200 with no choice, or only empty ones: the vendor failed to answer, however well-formed the JSON.
                // Embeddings and Messages answers have other shapes.
                UpstreamHttp.ReleaseBody(answer);
                return AttemptOutcome.Failed(AttemptFailure.Empty(llm.Id, status, "the response had no usable answer"));
            }

            return AttemptOutcome.Served(target, answer, RateLimitHeaders.Select(response, llm.Secrets));
        }
        finally
        {
            if (!handedOver)
            {
                resources.Dispose();
            }
        }
    }

    /// <summary>Reads what the client may see of a vendor's refusal; the status already says whose fault it is, so an unreadable body only loses its words.</summary>
    private static async ValueTask<UpstreamErrorInfo> ReadRejectionAsync(
        IProviderAdapter adapter, LlmSnapshot llm, HttpResponseMessage response, ProviderRequestContext context, AttemptResources resources, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (UpstreamHttp.HasContentEncoding(response))
        {
            // Compressed, though the router never asks for it: the bytes are no message to pass on.
            return AttemptFailure.GenericError(status);
        }

        resources.Timeout.CancelAfter(llm.StreamIdleTimeout);
        try
        {
            // The built-in adapters mask the LLM's secrets before cutting the vendor's words to length; masking again
            // here covers an adapter that does not.
            return (await adapter.ReadErrorAsync(response, context, resources.Timeout.Token).ConfigureAwait(false)).MaskedWith(llm.Secrets);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && AttemptFailure.IsVendorFault(ex))
        {
            return AttemptFailure.GenericError(status);
        }
    }

    /// <summary>Reads the wait a failing vendor asked for in its error body; an unreadable body asks for none.</summary>
    private static async ValueTask<TimeSpan?> ReadRetryDelayAsync(
        IVendorRetryInfo retryInfo, LlmSnapshot llm, HttpResponseMessage response, AttemptResources resources, CancellationToken cancellationToken)
    {
        if (UpstreamHttp.HasContentEncoding(response))
        {
            return null;
        }

        resources.Timeout.CancelAfter(llm.StreamIdleTimeout);
        try
        {
            return await retryInfo.ReadRetryDelayAsync(response, resources.Timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && AttemptFailure.IsVendorFault(ex))
        {
            return null;
        }
    }

    /// <summary>Builds the vendor request; a body whose fields have types the provider cannot translate is the client's fault (400).</summary>
    private static HttpRequestMessage CreateRequest(IProviderAdapter adapter, LlmSnapshot llm, ProviderRequestContext context)
    {
        try
        {
            var message = adapter.CreateRequest(context);
            if (llm.ConnectTimeout != UpstreamConnector.DefaultConnectTimeout)
            {
                // The connector falls back to the default itself; setting it anyway would allocate the options dictionary per request.
                message.Options.Set(UpstreamConnector.ConnectTimeout, llm.ConnectTimeout);
            }

            return message;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or FormatException or KeyNotFoundException)
        {
            throw new ModelRouterException(
                ModelRouterErrorKind.InvalidRequest,
                $"The request has a field of a type that provider '{llm.Config.Provider}' cannot translate.",
                ex);
        }
    }

    /// <summary>Returns the lesser of <paramref name="own"/> and what is left until <paramref name="deadline"/>; tells whether the deadline is the lesser.</summary>
    private bool Limit(TimeSpan own, DateTimeOffset? deadline, out TimeSpan timeout)
    {
        timeout = own;
        if (deadline is not { } end)
        {
            return false;
        }

        var left = end - timeProvider.GetUtcNow();
        if (left >= own)
        {
            return false;
        }

        timeout = left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
        return true;
    }

    private static AttemptOutcome Broken(LlmSnapshot llm, int status, string reason, bool isTimeout = false)
        => AttemptOutcome.Failed(AttemptFailure.Broken(llm.Id, status, reason, isTimeout));

    /// <summary>Tells whether an answer is a stream: server-sent events, or AWS's binary event stream (Bedrock's ConverseStream).</summary>
    private static bool IsEventStream(MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase)
            || string.Equals(contentType?.MediaType, "application/vnd.amazon.eventstream", StringComparison.OrdinalIgnoreCase);
}
