using ModelRouter.Forwarding;
using ModelRouter.Routing;

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

    /// <summary>Builds the request for one attempt. Called again, for a fresh message, on every attempt.</summary>
    HttpRequestMessage CreateRequest(ProviderRequestContext context);

    /// <summary>Reads a successful non-streamed response and returns an OpenAI <c>chat.completion</c> JSON body.</summary>
    /// <remarks>
    /// The router hands an adapter no response with a <c>Content-Encoding</c> (see <see cref="UpstreamHttp.HasContentEncoding"/>):
    /// it never asks for compression, and treats such an answer as invalid (a success) or unreadable (an error).
    /// </remarks>
    /// <exception cref="InvalidUpstreamResponseException">The vendor answered 2xx with something that is not a valid response.</exception>
    ValueTask<ReadOnlyMemory<byte>> ReadResponseAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken);

    /// <summary>Wraps a successful streamed response as OpenAI <c>chat.completion.chunk</c> server-sent events.</summary>
    /// <remarks>The returned stream owns neither <paramref name="response"/> nor the attempt's cancellation; the caller disposes both.</remarks>
    ChatEventReader OpenStream(HttpResponseMessage response, ProviderRequestContext context);

    /// <summary>Reads an error response and returns what the client may see of it (never the raw body).</summary>
    /// <remarks>
    /// Mask the LLM's secrets in the vendor's words (<see cref="LlmSnapshot.ScrubSecrets"/>) before cutting them to a
    /// length, as <see cref="UpstreamHttp.ParseOpenAIError"/> does; the router masks every field of the result again.
    /// </remarks>
    ValueTask<UpstreamErrorInfo> ReadErrorAsync(HttpResponseMessage response, ProviderRequestContext context, CancellationToken cancellationToken);
}

/// <summary>Everything an adapter needs to build one attempt's request.</summary>
public sealed class ProviderRequestContext
{
    /// <summary>Creates a context.</summary>
    public ProviderRequestContext(LlmSnapshot llm, ChatRequestBody request, string targetModel, ReadOnlyMemory<byte> targetModelJson, int maxResponseBodyBytes)
    {
        Llm = llm;
        Request = request;
        TargetModel = targetModel;
        TargetModelJson = targetModelJson;
        MaxResponseBodyBytes = maxResponseBodyBytes;
    }

    /// <summary>Gets the LLM the request goes to.</summary>
    public LlmSnapshot Llm { get; }

    /// <summary>Gets the client's request.</summary>
    public ChatRequestBody Request { get; }

    /// <summary>Gets the model name to send, after mapping.</summary>
    public string TargetModel { get; }

    /// <summary>Gets the mapped model as a quoted JSON string, or empty when the requested name is sent as is.</summary>
    public ReadOnlyMemory<byte> TargetModelJson { get; }

    /// <summary>Gets the largest non-streamed response accepted, and the largest single event of a stream, in bytes.</summary>
    public int MaxResponseBodyBytes { get; }
}

/// <summary>What a client may see of a vendor's error response.</summary>
/// <param name="Message">A safe message: the vendor's own message when it had one, never the raw body.</param>
/// <param name="Type">The OpenAI error type.</param>
/// <param name="Param">The request field at fault, if the vendor said.</param>
/// <param name="Code">The error code, if the vendor gave one.</param>
public sealed record UpstreamErrorInfo(string Message, string Type, string? Param, string? Code);

/// <summary>The vendor answered 2xx with a body that is not a valid response; counts as a vendor failure.</summary>
public sealed class InvalidUpstreamResponseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidUpstreamResponseException()
        : this("The vendor returned an invalid response.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidUpstreamResponseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public InvalidUpstreamResponseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
