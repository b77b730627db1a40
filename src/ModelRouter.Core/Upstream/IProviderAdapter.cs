using ModelRouter.Model;

namespace ModelRouter.Upstream;

/// <summary>
/// Speaks one provider's wire protocol: builds the vendor request from an OpenAI chat completion body and turns the
/// vendor's answer back into OpenAI's shape. One adapter per provider kind; adding a provider is one new adapter.
/// </summary>
/// <remarks>Adapters are singletons shared by every request: keep them stateless and thread-safe.</remarks>
public interface IProviderAdapter
{
    /// <summary>Gets the provider kind this adapter serves, as written in <c>LlmConfig.Provider</c>.</summary>
    string ProviderKind { get; }

    /// <summary>Tells whether this adapter serves <paramref name="operation"/>; a vendor whose adapter does not is no candidate for such a request.</summary>
    /// <remarks>The default serves chat completions only.</remarks>
    bool Serves(ModelRouterOperation operation) => operation == ModelRouterOperation.ChatCompletions;

    /// <summary>Builds the request for one attempt (of the operation <c>context.Request.Operation</c>). Called again, for a fresh message, on every attempt.</summary>
    HttpRequestMessage CreateRequest(ProviderRequestContext context);

    /// <summary>Reads a successful non-streamed response and returns the answer in the operation's shape (an OpenAI <c>chat.completion</c>, an embeddings list, an Anthropic message).</summary>
    /// <remarks>
    /// The router hands an adapter no response with a <c>Content-Encoding</c> (see <see cref="UpstreamHttp.HasContentEncoding"/>):
    /// it never asks for compression, and treats such an answer as invalid (a success) or unreadable (an error).
    /// </remarks>
    /// <exception cref="InvalidUpstreamResponseException">The vendor answered 2xx with something that is not a valid response.</exception>
    ValueTask<ReadOnlyMemory<byte>> ReadResponseAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken);

    /// <summary>Wraps a successful streamed response as server-sent events of the operation's shape (OpenAI <c>chat.completion.chunk</c> events, or Anthropic's events for Messages).</summary>
    /// <remarks>The returned stream owns neither <paramref name="response"/> nor the attempt's cancellation; the caller disposes both.</remarks>
    ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context);

    /// <summary>Reads an error response and returns what the client may see of it (never the raw body).</summary>
    /// <remarks>
    /// Mask the LLM's secrets in the vendor's words (<see cref="LlmSnapshot.ScrubSecrets"/>) before cutting them to a
    /// length, as <see cref="UpstreamHttp.ParseOpenAIError"/> does; the router masks every field of the result again.
    /// </remarks>
    ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken);
}
