using System.Net.Http.Headers;
using ModelRouter.Configuration;
using ModelRouter.Model;

namespace ModelRouter.Upstream.Gemini;

/// <summary>
/// <c>gemini</c>: Google's Gemini API, <c>POST {baseUrl}/v1beta/models/{model}:generateContent</c> (streamed:
/// <c>:streamGenerateContent?alt=sse</c>) with the key in <c>x-goog-api-key</c>, never in the URL. Requests are
/// translated from OpenAI chat completions; answers, streams and errors back to OpenAI's shapes.
/// </summary>
/// <remarks>
/// <c>baseUrl</c> is <c>https://generativelanguage.googleapis.com</c>; a trailing <c>/v1beta</c> is tolerated. A 429
/// <c>RESOURCE_EXHAUSTED</c> or 503 <c>UNAVAILABLE</c> fails over like any 429 or 503, and the <c>retryDelay</c> of its
/// <c>google.rpc.RetryInfo</c> detail cools the LLM when no <c>Retry-After</c> says otherwise. Request fields Gemini cannot
/// honour (<c>logprobs</c>, <c>logit_bias</c>, audio) are refused with a 400 naming the field.
/// </remarks>
public sealed class GeminiProviderAdapter : IProviderAdapter, IVendorRetryInfo
{
    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the adapter with the system clock.</summary>
    public GeminiProviderAdapter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the adapter; <paramref name="timeProvider"/> dates the answers (<c>created</c>).</summary>
    public GeminiProviderAdapter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.Gemini;

    /// <inheritdoc/>
    /// <exception cref="ModelRouterException">The request uses something Gemini cannot honour (400).</exception>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var body = GeminiRequestTranslator.Translate(context.Request.Utf8Json);
        var request = new HttpRequestMessage(HttpMethod.Post, llm.Resolve(MethodPath(llm.BaseUri, context.TargetModel, context.Request.Stream)))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = s_jsonContentType } },
        };
        request.Headers.Accept.Add(context.Request.Stream ? s_acceptEventStream : s_acceptJson);
        if (!string.IsNullOrEmpty(llm.Config.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("x-goog-api-key", llm.Config.ApiKey);
        }

        UpstreamHttp.AddConfiguredHeaders(request, llm.Config);
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
            var answer = GeminiResponseTranslator.Translate(body, context.TargetModel, _timeProvider.GetUtcNow().ToUnixTimeSeconds());
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
        var translator = new GeminiStreamTranslator(context.TargetModel, _timeProvider.GetUtcNow().ToUnixTimeSeconds(), context.Request.IncludeUsage, secrets);
        return new GeminiEventStream(response, translator, context.MaxResponseBodyBytes, new SecretStreamMask(secrets));
    }

    /// <inheritdoc/>
    public async ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            return GeminiErrorMapper.Map(body.Span, (int)response.StatusCode, context.Llm);
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    /// <inheritdoc/>
    async ValueTask<TimeSpan?> IVendorRetryInfo.ReadRetryDelayAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            return GeminiErrorMapper.TryReadRetryDelay(body.Span, out var delay) ? delay : null;
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    /// <summary>The method's path under the base URL; the model is escaped as one path segment.</summary>
    private static string MethodPath(Uri baseUri, string model, bool stream)
    {
        var prefix = baseUri.AbsolutePath.EndsWith("/v1beta/", StringComparison.Ordinal) ? "models/" : "v1beta/models/";
        var name = model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;
        return string.Concat(prefix, Uri.EscapeDataString(name), stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    }
}
