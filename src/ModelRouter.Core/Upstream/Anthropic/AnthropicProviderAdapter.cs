using System.Net.Http.Headers;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream.Anthropic;

/// <summary>
/// <c>anthropic</c>: Anthropic's Messages API, <c>POST {baseUrl}/v1/messages</c> with <c>x-api-key</c> and
/// <c>anthropic-version</c> (the LLM's <c>apiVersion</c>, default <see cref="DefaultApiVersion"/>). Requests are
/// translated from OpenAI chat completions, answers, streams and errors back to OpenAI's shapes. A request of the Messages
/// door passes through natively instead: its body with only <c>model</c> mapped, the client's <c>anthropic-version</c>
/// (else the LLM's) and <c>anthropic-beta</c>, and the answer or stream as the vendor sent it. Embeddings are not served.
/// </summary>
/// <remarks>
/// <c>max_tokens</c>, which Anthropic requires, comes from the request (<c>max_completion_tokens</c> or
/// <c>max_tokens</c>), else the LLM's <c>defaultMaxTokens</c>, else <see cref="DefaultMaxTokens"/>. Request fields
/// Anthropic cannot honour (<c>n</c> above 1, <c>logprobs</c>, <c>logit_bias</c>, penalties, JSON response formats, audio)
/// are refused with a 400 naming the field. <c>baseUrl</c> is <c>https://api.anthropic.com</c>; a trailing <c>/v1</c> is tolerated.
/// </remarks>
public sealed class AnthropicProviderAdapter : IProviderAdapter
{
    /// <summary>The <c>anthropic-version</c> sent when the LLM configures no <c>apiVersion</c>.</summary>
    public const string DefaultApiVersion = "2023-06-01";

    /// <summary>The <c>max_tokens</c> sent when neither the request nor the LLM's <c>defaultMaxTokens</c> gives one.</summary>
    public const int DefaultMaxTokens = AnthropicRequestTranslator.DefaultMaxTokens;

    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the adapter with the system clock.</summary>
    public AnthropicProviderAdapter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the adapter; <paramref name="timeProvider"/> dates the answers (<c>created</c>).</summary>
    public AnthropicProviderAdapter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.Anthropic;

    /// <inheritdoc/>
    public bool Serves(ModelRouterOperation operation) => operation != ModelRouterOperation.Embeddings;

    /// <inheritdoc/>
    /// <exception cref="ModelRouterException">The request uses something Anthropic cannot honour (400).</exception>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var native = context.Request.Operation == ModelRouterOperation.Messages;
        var request = new HttpRequestMessage(HttpMethod.Post, llm.Resolve(MessagesPath(llm.BaseUri)))
        {
            Content = native
                ? context.Request.CreateContent(context.TargetModelJson)
                : new ByteArrayContent(AnthropicRequestTranslator.Translate(context.Request.Utf8Json, context.TargetModel, llm.Config.DefaultMaxTokens))
                {
                    Headers = { ContentType = s_jsonContentType },
                },
        };
        request.Headers.Accept.Add(context.Request.Stream ? s_acceptEventStream : s_acceptJson);
        if (!string.IsNullOrEmpty(llm.Config.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("x-api-key", llm.Config.ApiKey);
        }

        var version = native ? context.Request.AnthropicVersion : null;
        request.Headers.TryAddWithoutValidation("anthropic-version", version ?? (string.IsNullOrWhiteSpace(llm.Config.ApiVersion) ? DefaultApiVersion : llm.Config.ApiVersion));
        if (native && context.Request.AnthropicBeta is { } beta)
        {
            request.Headers.TryAddWithoutValidation("anthropic-beta", beta);
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
        if (context.Request.Operation == ModelRouterOperation.Messages)
        {
            // Passed on as the vendor sent it, but for the LLM's secrets, masked in place in the router's own buffer.
            if (!UpstreamHttp.IsJsonObject(body.Span))
            {
                UpstreamHttp.ReleaseBody(body);
                throw new InvalidUpstreamResponseException("The vendor answered with a body that is not a JSON object.");
            }

            context.Llm.Secrets.MaskUtf8(System.Runtime.InteropServices.MemoryMarshal.AsMemory(body).Span);
            return body;
        }

        try
        {
            var answer = AnthropicResponseTranslator.Translate(body, _timeProvider.GetUtcNow().ToUnixTimeSeconds());
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
        SseEventTranslator translator = context.Request.Operation == ModelRouterOperation.Messages
            ? new AnthropicPassThroughTranslator(secrets)
            : new AnthropicStreamTranslator(_timeProvider.GetUtcNow().ToUnixTimeSeconds(), context.Request.IncludeUsage, secrets);
        return new TranslatedEventStream(response, translator, context.MaxResponseBodyBytes, new SecretStreamMask(secrets));
    }

    /// <inheritdoc/>
    public async ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var body = await UpstreamHttp.ReadBodyAsync(response, 64 * 1024, cancellationToken, truncate: true).ConfigureAwait(false);
        try
        {
            return AnthropicErrorMapper.Map(body.Span, (int)response.StatusCode, context.Llm);
        }
        finally
        {
            UpstreamHttp.ReleaseBody(body);
        }
    }

    private static string MessagesPath(Uri baseUri)
        => baseUri.AbsolutePath.EndsWith("/v1/", StringComparison.Ordinal) ? "messages" : "v1/messages";
}
