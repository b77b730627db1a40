using ModelRouter.Configuration;

namespace ModelRouter.Storage;

/// <summary>The kinds of item a store holds.</summary>
public enum RouterStoreItemKind
{
    /// <summary>An <see cref="LlmConfig"/>, keyed by id.</summary>
    Llm,

    /// <summary>A <see cref="RouterConfig"/>, keyed by slug.</summary>
    Router,

    /// <summary>An <see cref="AppConfig"/>, keyed by name.</summary>
    App,
}
