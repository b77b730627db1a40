namespace ModelRouter.Extensions.AI;

/// <summary>How an <see cref="Microsoft.Extensions.AI.IChatClient"/> over a router identifies itself and which model it asks for.</summary>
public sealed class ModelRouterChatClientOptions
{
    /// <summary>Gets the model asked for when a call's <c>ChatOptions.ModelId</c> does not name one.</summary>
    public required string DefaultModel { get; init; }

    /// <summary>Gets the app key the calls carry, as an HTTP client would send it.</summary>
    public string? AppKey { get; init; }

    /// <summary>
    /// Gets a value indicating whether the host vouches for this client in code: its calls are not asked for an app key
    /// (and are not limited to an app's routers). Leave it off unless every caller of the client is the host's own code.
    /// </summary>
    public bool TrustedCaller { get; init; }
}
