namespace ModelRouter;

/// <summary>A request the router could not serve, with the status and safe message the caller gets.</summary>
/// <remarks>Messages never contain API keys, client credentials or upstream URLs.</remarks>
public sealed class ModelRouterException : Exception
{
    /// <summary>Creates an error of the given kind.</summary>
    public ModelRouterException(ModelRouterErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = ModelRouterErrors.Describe(kind).StatusCode;
    }

    /// <summary>Creates an error with a default message.</summary>
    public ModelRouterException()
        : this(ModelRouterErrorKind.Internal, "The request could not be routed.")
    {
    }

    /// <summary>Creates an error with a message.</summary>
    public ModelRouterException(string message)
        : this(ModelRouterErrorKind.Internal, message)
    {
    }

    /// <summary>Creates an error with a message and cause.</summary>
    public ModelRouterException(string message, Exception innerException)
        : this(ModelRouterErrorKind.Internal, message, innerException)
    {
    }

    /// <summary>Gets the kind of error.</summary>
    public ModelRouterErrorKind Kind { get; }

    /// <summary>Gets the HTTP status code the caller gets.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the OpenAI error <c>type</c>.</summary>
    public string ErrorType
    {
        get => field ?? ModelRouterErrors.Describe(Kind).Type;
        init;
    }

    /// <summary>Gets the OpenAI error <c>code</c>, or <see langword="null"/>.</summary>
    public string? ErrorCode
    {
        get => field ?? ModelRouterErrors.Describe(Kind).Code;
        init;
    }

    /// <summary>Gets the request field at fault, or <see langword="null"/>.</summary>
    public string? Param { get; init; }

    /// <summary>Gets how long the caller should wait before trying again, when known.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the id of the LLM that produced the error, when one did.</summary>
    public string? Llm { get; init; }

    /// <summary>Gets how many vendors were tried.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the attempts made, as the <c>x-model-router-trail</c> header shows them (<c>openai-main=429;azure-eu=timeout</c>), or <see langword="null"/> when none was made.</summary>
    public string? Trail { get; init; }
}
