namespace ModelRouter.Configuration;

/// <summary>The provider kinds built in, as written in <see cref="LlmConfig.Provider"/>.</summary>
public static class ProviderKinds
{
    /// <summary>Any OpenAI-compatible chat completions API.</summary>
    public const string OpenAI = "openai";
}
