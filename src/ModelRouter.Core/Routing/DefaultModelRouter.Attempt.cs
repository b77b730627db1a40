using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using ModelRouter.Forwarding;
using ModelRouter.Upstream;

namespace ModelRouter.Routing;

/// <summary>One try at one vendor: the request, its timeouts, and the outcome it comes to.</summary>
internal sealed partial class DefaultModelRouter
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptResult> TryVendorAsync(
        HttpMessageInvoker client, PoolSnapshot pool, VendorSnapshot vendor, ChatRequestBody body, int attempt, ModelRouterOptions settings, CancellationToken cancellationToken)
    {
        var llm = vendor.Llm;
        var target = vendor.Map(body.Model, out var targetJson);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.VendorSelected(logger, pool.RouterSlug, pool.Name, attempt, llm.Id, target);
        }

        var context = new ProviderRequestContext(llm, body, target, targetJson, settings.MaxResponseBodyBytes);
        var resources = new AttemptResources(timeProvider, cancellationToken);
        var handedOver = false;
        try
        {
            resources.Timeout.CancelAfter(llm.HeadersTimeout);
            HttpResponseMessage response;
            try
            {
                using var message = CreateRequest(llm, context);
                response = await client.SendAsync(message, resources.Timeout.Token).ConfigureAwait(false);
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
                return AttemptResult.Failed(vendor, UpstreamOutcome.VendorFailure, 0, $"no response headers within {llm.HeadersTimeout.TotalSeconds:0.###} s", isTimeout: true);
            }
            catch (HttpRequestException ex)
            {
                return AttemptResult.Failed(vendor, UpstreamOutcome.VendorFailure, 0, $"connection failed: {ex.HttpRequestError}");
            }

            resources.Response = response;
            var status = (int)response.StatusCode;
            var outcome = UpstreamOutcomeClassifier.Classify(status, pool.Config.FailoverStatusCodes);
            switch (outcome)
            {
                case UpstreamOutcome.Success:
                    break;
                case UpstreamOutcome.ClientError:
                    resources.Timeout.CancelAfter(llm.StreamIdleTimeout);
                    UpstreamErrorInfo error;
                    if (UpstreamHttp.HasContentEncoding(response))
                    {
                        // Compressed, though the router never asks for it: the bytes are no message to pass on.
                        error = GenericError(status);
                    }
                    else
                    {
                        try
                        {
                            // The built-in adapters mask the LLM's secrets before cutting the vendor's words to length;
                            // masking again here covers an adapter that does not.
                            error = llm.Secrets.Scrub(await llm.Adapter.ReadErrorAsync(response, context, resources.Timeout.Token).ConfigureAwait(false));
                        }
                        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsUpstreamReadFailure(ex))
                        {
                            // The status already says whose fault it is; a body that stalls or is garbage only loses its message.
                            error = GenericError(status);
                        }
                    }

                    throw new ModelRouterException(ModelRouterErrorKind.UpstreamRejected, error.Message)
                    {
                        StatusCode = status,
                        ErrorType = error.Type,
                        ErrorCode = error.Code,
                        Param = error.Param,
                        Vendor = llm.Id,
                        Attempts = attempt,
                    };
                default:
                    return AttemptResult.Failed(vendor, outcome, status, $"status {status}", retryAfter: UpstreamHttp.GetRetryAfter(response, timeProvider.GetUtcNow()));
            }

            if (UpstreamHttp.HasContentEncoding(response))
            {
                // The router never asks for compression (no Accept-Encoding; a host handler that decompresses removes the
                // header), so a compressed answer cannot be relayed or translated: an invalid response, failed over before
                // any of it reaches the client.
                return AttemptResult.Failed(vendor, UpstreamOutcome.VendorFailure, status, "the response has a Content-Encoding the router did not ask for");
            }

            resources.Timeout.CancelAfter(llm.StreamIdleTimeout);
            if (body.Stream && IsEventStream(response.Content.Headers.ContentType))
            {
                var stream = new IdleTimeoutEventStream(llm.Adapter.OpenStream(response, context), resources, llm.StreamIdleTimeout);
                ReadOnlyMemory<byte> first;
                try
                {
                    // Read the first chunk before answering: until a byte reaches the client, another vendor may still take over.
                    first = await stream.ReadFirstAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsUpstreamReadFailure(ex))
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return AttemptResult.Failed(vendor, UpstreamOutcome.VendorFailure, status, ex is OperationCanceledException ? "the stream sent nothing in time" : "the stream broke before its first event", isTimeout: ex is OperationCanceledException);
                }

                handedOver = true;
                return AttemptResult.Succeeded(new ModelRouterResponse(vendor, pool, target, attempt, stream, first, resources));
            }

            ReadOnlyMemory<byte> content;
            try
            {
                content = await llm.Adapter.ReadResponseAsync(response, context, resources.Timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsUpstreamReadFailure(ex))
            {
                return AttemptResult.Failed(vendor, UpstreamOutcome.VendorFailure, status, ex is OperationCanceledException ? "the response body did not arrive in time" : "the response was not valid", isTimeout: ex is OperationCanceledException);
            }

            return AttemptResult.Succeeded(new ModelRouterResponse(vendor, pool, target, attempt, content));
        }
        finally
        {
            if (!handedOver)
            {
                resources.Dispose();
            }
        }
    }

    /// <summary>
    /// Failures of reading or translating what a vendor sent: a timeout, a broken connection, or a body of the wrong
    /// shape (an adapter meeting an unexpected JSON type throws <see cref="InvalidOperationException"/> or <see cref="System.Text.Json.JsonException"/>).
    /// </summary>
    internal static bool IsUpstreamReadFailure(Exception ex)
        => ex is InvalidUpstreamResponseException or HttpRequestException or IOException or OperationCanceledException
            or InvalidOperationException or System.Text.Json.JsonException or FormatException or KeyNotFoundException;

    /// <summary>Builds the vendor request; a body whose fields have types the provider cannot translate is the client's fault (400).</summary>
    private static HttpRequestMessage CreateRequest(LlmSnapshot llm, ProviderRequestContext context)
    {
        try
        {
            var message = llm.Adapter.CreateRequest(context);
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

    private static UpstreamErrorInfo GenericError(int status)
        => new($"The vendor rejected the request with status {status}.", UpstreamHttp.DefaultType(status), null, null);

    private static bool IsEventStream(MediaTypeHeaderValue? contentType)
        => string.Equals(contentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>What one attempt came to: a response, or a failure to fail over from.</summary>
    private readonly record struct AttemptResult(ModelRouterResponse? Response, AttemptFailure? Failure)
    {
        public static AttemptResult Succeeded(ModelRouterResponse response) => new(response, null);

        public static AttemptResult Failed(VendorSnapshot vendor, UpstreamOutcome outcome, int statusCode, string reason, bool isTimeout = false, TimeSpan? retryAfter = null)
            => new(null, new AttemptFailure(vendor.Llm.Id, outcome, statusCode, reason, isTimeout, retryAfter));
    }
}
