namespace ModelRouter.Routing;

/// <summary>The response headers the endpoint adds to every answer it relays.</summary>
public static class ModelRouterHeaders
{
    /// <summary>The response header naming the LLM that served the request (or, on an error, the last one tried).</summary>
    /// <remarks>Named "vendor" for compatibility with clients of earlier versions; it carries the LLM's id.</remarks>
    public const string Llm = "x-model-router-vendor";

    /// <summary>The response header counting the vendors tried.</summary>
    public const string Attempts = "x-model-router-attempts";

    /// <summary>The response header listing the attempts in order, as <c>{llm}={outcome}</c> joined by <c>;</c> (<c>openai-main=429;azure-eu=ok</c>).</summary>
    /// <remarks>
    /// An outcome is <c>ok</c>, the vendor's status, <c>timeout</c>, <c>empty</c>, <c>context_window</c> or <c>error</c>; <c>pool:NAME</c> marks where the
    /// request went on to a fallback pool: LLM ids, pool names and outcome words only.
    /// </remarks>
    public const string Trail = "x-model-router-trail";

    /// <summary>The request header that sets the request's deadline, in whole milliseconds (<see cref="ModelRouterRequest.Timeout"/>).</summary>
    public const string Timeout = "x-model-router-timeout-ms";
}
