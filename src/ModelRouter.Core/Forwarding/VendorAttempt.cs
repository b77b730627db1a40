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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AttemptOutcome> SendAsync(PoolSnapshot pool, VendorSnapshot vendor, ChatRequestBody body, ModelRouterOptions settings, CancellationToken cancellationToken)
    {
        var llm = vendor.Llm;
        var adapter = adapters.For(llm);
        var target = vendor.Map(body.Model, out var targetJson);
        var context = new ProviderRequestContext(llm, body, target, targetJson, settings.MaxResponseBodyBytes);
        var resources = new AttemptResources(timeProvider, cancellationToken);
        var handedOver = false;
        try
        {
            resources.Timeout.CancelAfter(llm.HeadersTimeout);
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

                return failure.Verdict == AttemptVerdict.Rejected
                    ? AttemptOutcome.Failed(AttemptFailure.Rejected(llm.Id, status, await ReadRejectionAsync(adapter, llm, response, context, resources, cancellationToken).ConfigureAwait(false)))
                    : AttemptOutcome.Failed(failure);
            }

            if (UpstreamHttp.HasContentEncoding(response))
            {
                // The router never asks for compression (no Accept-Encoding; a host handler that decompresses removes the
                // header), so a compressed answer cannot be relayed or translated: an invalid response, failed over before
                // any of it reaches the client.
                return Broken(llm, status, "the response has a Content-Encoding the router did not ask for");
            }

            resources.Timeout.CancelAfter(llm.StreamIdleTimeout);
            if (body.Stream && IsEventStream(response.Content.Headers.ContentType))
            {
                var stream = new IdleTimeoutEventStream(adapter.OpenStream(response, context), resources, llm.StreamIdleTimeout);
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
                    return Broken(llm, status, timedOut ? "the stream sent nothing in time" : "the stream broke before its first event", timedOut);
                }

                handedOver = true;
                return AttemptOutcome.Streamed(target, stream, first, resources);
            }

            try
            {
                return AttemptOutcome.Served(target, await adapter.ReadResponseAsync(response, context, resources.Timeout.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && AttemptFailure.IsVendorFault(ex))
            {
                var timedOut = ex is OperationCanceledException;
                return Broken(llm, status, timedOut ? "the response body did not arrive in time" : "the response was not valid", timedOut);
            }
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

    private static AttemptOutcome Broken(LlmSnapshot llm, int status, string reason, bool isTimeout = false)
        => AttemptOutcome.Failed(AttemptFailure.Broken(llm.Id, status, reason, isTimeout));

    /// <summary>Tells whether an answer is a stream: server-sent events, or AWS's binary event stream (Bedrock's ConverseStream).</summary>
    private static bool IsEventStream(MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase)
            || string.Equals(contentType?.MediaType, "application/vnd.amazon.eventstream", StringComparison.OrdinalIgnoreCase);
}
