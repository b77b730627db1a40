using ModelRouter.Model;

namespace ModelRouter.Upstream;

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

    /// <summary>
    /// Gets a value indicating whether the router wants the token usage of this stream (set while someone listens to its
    /// telemetry): an OpenAI-compatible adapter then asks the vendor for it (<c>stream_options.include_usage</c>) when the
    /// client did not, reads it from the usage event, and takes that event out of what a client that did not ask sees.
    /// </summary>
    internal bool WantsUsage { get; init; }

    /// <summary>Gets the largest non-streamed response accepted, and the largest single event of a stream, in bytes.</summary>
    public int MaxResponseBodyBytes { get; }
}
