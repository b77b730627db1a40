using System.Net.Http.Headers;
using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Upstream.Bedrock;

/// <summary>
/// <c>bedrock</c>: Amazon Bedrock's Converse API, <c>POST {baseUrl}/model/{model}/converse</c> (streamed:
/// <c>/converse-stream</c>, AWS's binary event stream), signed with AWS Signature Version 4 (AWSSDK.Core's signer).
/// Requests are translated from OpenAI chat completions; answers, streams and errors back to OpenAI's shapes.
/// </summary>
/// <remarks>
/// <c>baseUrl</c> is the runtime endpoint, <c>https://bedrock-runtime.{region}.amazonaws.com</c>. The region is the LLM's
/// <c>region</c>, else <c>AWS_REGION</c> or <c>AWS_DEFAULT_REGION</c>, else the one in the endpoint's host. The credentials
/// are the LLM's <c>accessKeyId</c> with its secret access key in <c>apiKey</c>, else <c>AWS_ACCESS_KEY_ID</c>,
/// <c>AWS_SECRET_ACCESS_KEY</c> and <c>AWS_SESSION_TOKEN</c>. Throttling (429) and 5xx fail over as their statuses do;
/// a <c>ValidationException</c> (400) goes back to the client.
/// </remarks>
public sealed class BedrockProviderAdapter : IProviderAdapter
{
    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("application/vnd.amazon.eventstream");
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the adapter with the system clock.</summary>
    public BedrockProviderAdapter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the adapter; <paramref name="timeProvider"/> dates the signatures and the answers.</summary>
    public BedrockProviderAdapter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.Bedrock;

    /// <inheritdoc/>
    /// <exception cref="ModelRouterException">The request uses something Bedrock cannot honour (400), or the LLM has no region or credentials.</exception>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var body = BedrockRequestTranslator.Translate(context.Request.Utf8Json);
        var region = ResolveRegion(llm);
        var credentials = AwsCredentials.Resolve(llm.Config)
            ?? throw new ModelRouterException(ModelRouterErrorKind.NoAvailableVendor, $"LLM '{llm.Id}' (bedrock) has no AWS credentials: set accessKeyId and apiKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.");
        var request = new HttpRequestMessage(HttpMethod.Post, llm.Resolve(string.Concat("model/", Uri.EscapeDataString(context.TargetModel), context.Request.Stream ? "/converse-stream" : "/converse")))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = s_jsonContentType } },
        };
        request.Headers.Accept.Add(context.Request.Stream ? s_acceptEventStream : s_acceptJson);
        UpstreamHttp.AddConfiguredHeaders(request, llm.Config);
        BedrockSigner.Sign(request, body, "application/json", credentials, region, BedrockSigner.Service, _timeProvider.GetUtcNow().UtcDateTime);
        return request;
    }

    /// <inheritdoc/>
    public async ValueTask<ReadOnlyMemory<byte>> ReadResponseAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, context.MaxResponseBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            var answer = BedrockResponseTranslator.Translate(body, RequestId(response), context.TargetModel, _timeProvider.GetUtcNow().ToUnixTimeSeconds());
            context.Llm.Secrets.MaskUtf8(answer);
            return answer;
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    /// <inheritdoc/>
    public ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var secrets = context.Llm.Secrets;
        var translator = new BedrockStreamTranslator(RequestId(response), context.TargetModel, _timeProvider.GetUtcNow().ToUnixTimeSeconds(), context.Request.IncludeUsage, secrets);
        return new BedrockEventStream(response, translator, context.MaxResponseBodyBytes, new SecretStreamMask(secrets));
    }

    /// <inheritdoc/>
    public async ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
            return BedrockResponseTranslator.MapError(body.Span, errorType, (int)response.StatusCode, context.Llm);
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    /// <summary>The region to sign for: configured, else from the environment, else from <c>bedrock-runtime.{region}.amazonaws.com</c>.</summary>
    internal static string ResolveRegion(LlmSnapshot llm)
    {
        if (!string.IsNullOrEmpty(llm.Config.Region))
        {
            return llm.Config.Region;
        }

        var region = Environment.GetEnvironmentVariable("AWS_REGION");
        if (string.IsNullOrEmpty(region))
        {
            region = Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        }

        if (!string.IsNullOrEmpty(region))
        {
            return region;
        }

        var labels = llm.BaseUri.Host.Split('.');
        return labels.Length >= 4 && labels[0].StartsWith("bedrock-runtime", StringComparison.Ordinal) && labels[^2] == "amazonaws"
            ? labels[1]
            : throw new ModelRouterException(ModelRouterErrorKind.NoAvailableVendor, $"LLM '{llm.Id}' (bedrock) has no region: set region, or AWS_REGION.");
    }

    private static string RequestId(HttpResponseMessage response)
        => response.Headers.TryGetValues("x-amzn-RequestId", out var values) && values.FirstOrDefault() is { Length: > 0 } id ? id : "";
}
