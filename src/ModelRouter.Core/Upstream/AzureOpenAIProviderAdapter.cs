using System.Net.Http.Headers;
using ModelRouter.Configuration;

namespace ModelRouter.Upstream;

/// <summary>
/// <c>azure-openai</c>: Azure OpenAI. With an <c>apiVersion</c> such as <c>2024-10-21</c>, requests go to
/// <c>POST {baseUrl}/openai/deployments/{model}/chat/completions?api-version={apiVersion}</c>, the mapped model being the
/// deployment name; with <c>apiVersion</c> <c>v1</c> (the default when none is configured) they go to
/// <c>POST {baseUrl}/openai/v1/chat/completions</c> with the deployment name as <c>model</c>. Embeddings go to
/// <c>.../embeddings</c> in place of <c>.../chat/completions</c>. The key travels in the <c>api-key</c> header.
/// </summary>
/// <remarks>
/// <c>baseUrl</c> is the resource endpoint, for example <c>https://my-resource.openai.azure.com</c>; a trailing
/// <c>/openai</c> is tolerated. The body passes through with <c>model</c> rewritten to the mapped name in both forms (the
/// deployments form ignores it), and answers, streams and errors are OpenAI-shaped, so they pass back untouched.
/// </remarks>
public sealed class AzureOpenAIProviderAdapter : IProviderAdapter
{
    /// <summary>The API version used when the LLM configures none: Azure's version-less v1 API.</summary>
    public const string DefaultApiVersion = "v1";

    private static readonly MediaTypeWithQualityHeaderValue s_acceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");
    private readonly OpenAIProviderAdapter _openAI = new();

    /// <inheritdoc/>
    public string ProviderKind => ProviderKinds.AzureOpenAI;

    /// <inheritdoc/>
    public bool Serves(ModelRouterOperation operation) => true;

    /// <inheritdoc/>
    public HttpRequestMessage CreateRequest(ProviderRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var llm = context.Llm;
        var request = new HttpRequestMessage(HttpMethod.Post, BuildUri(llm.BaseUri, context.TargetModel, llm.Config.ApiVersion, context.Request.Operation))
        {
            Content = OpenAIProviderAdapter.CreateContent(context),
        };
        request.Headers.Accept.Add(context.Request.Stream ? s_acceptEventStream : s_acceptJson);
        if (!string.IsNullOrEmpty(llm.Config.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("api-key", llm.Config.ApiKey);
        }

        UpstreamHttp.AddConfiguredHeaders(request, llm.Config);
        return request;
    }

    /// <inheritdoc/>
    public ValueTask<ReadOnlyMemory<byte>> ReadResponseAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
        => _openAI.ReadResponseAsync(response, context, cancellationToken);

    /// <inheritdoc/>
    public ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context)
        => _openAI.OpenStream(response, context);

    /// <inheritdoc/>
    public ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken)
        => _openAI.ReadErrorAsync(response, context, cancellationToken);

    /// <summary>Builds the chat completions (or embeddings) URL for a deployment and API version.</summary>
    /// <param name="baseUri">The resource endpoint, ending in <c>/</c>.</param>
    /// <param name="deployment">The deployment (the mapped model name).</param>
    /// <param name="apiVersion">The API version; <see langword="null"/>, empty or <c>v1</c> selects the v1 API.</param>
    /// <param name="operation">The operation: embeddings go to <c>.../embeddings</c>, the others to <c>.../chat/completions</c>.</param>
    internal static Uri BuildUri(Uri baseUri, string deployment, string? apiVersion, ModelRouterOperation operation = ModelRouterOperation.ChatCompletions)
    {
        var path = operation == ModelRouterOperation.Embeddings ? "embeddings" : "chat/completions";
        var root = baseUri.AbsolutePath.EndsWith("/openai/", StringComparison.OrdinalIgnoreCase) ? baseUri : new Uri(baseUri, "openai/");
        var version = string.IsNullOrWhiteSpace(apiVersion) ? DefaultApiVersion : apiVersion.Trim();
        if (string.Equals(version, "v1", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(root, operation == ModelRouterOperation.Embeddings ? "v1/embeddings" : "v1/chat/completions");
        }

        // Escaping leaves "." and ".." as they are, and a URI resolves them: they would climb out of the deployment path.
        if (deployment is "." or "..")
        {
            throw new ModelRouter.ModelRouterException(ModelRouter.ModelRouterErrorKind.InvalidRequest, $"'{deployment}' is not a valid Azure OpenAI deployment name.") { Param = "model" };
        }

        return new Uri(root, $"deployments/{Uri.EscapeDataString(deployment)}/{path}?api-version={Uri.EscapeDataString(version)}");
    }
}
