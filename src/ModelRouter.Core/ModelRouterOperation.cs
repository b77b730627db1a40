namespace ModelRouter;

/// <summary>What a request asks a router for: the door it came in by, and the shape of its body and answer.</summary>
public enum ModelRouterOperation
{
    /// <summary>An OpenAI chat completion (<c>/v1/chat/completions</c>), streamed or not. Every provider serves it.</summary>
    ChatCompletions,

    /// <summary>OpenAI embeddings (<c>/v1/embeddings</c>): OpenAI-compatible and Azure OpenAI vendors only; others are not candidates.</summary>
    Embeddings,

    /// <summary>
    /// An Anthropic Messages request (<c>/v1/messages</c>), streamed or not, answered in Messages' shape: passed through to
    /// Anthropic vendors, translated to and from chat completions for OpenAI-compatible and Azure OpenAI ones.
    /// </summary>
    Messages,
}
