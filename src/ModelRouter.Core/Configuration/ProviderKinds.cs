namespace ModelRouter.Configuration;

/// <summary>The provider kinds built in, as written in <see cref="LlmConfig.Provider"/>.</summary>
public static class ProviderKinds
{
    /// <summary>Any OpenAI-compatible chat completions API.</summary>
    public const string OpenAI = "openai";

    /// <summary>Azure OpenAI: deployment URLs with <c>api-version</c>, or the v1 API, and the <c>api-key</c> header.</summary>
    public const string AzureOpenAI = "azure-openai";

    /// <summary>Anthropic's Messages API, translated to and from OpenAI chat completions.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Google's Gemini API (<c>generateContent</c>), translated to and from OpenAI chat completions.</summary>
    public const string Gemini = "gemini";

    /// <summary>Amazon Bedrock's Converse API, signed with AWS Signature Version 4, translated to and from OpenAI chat completions.</summary>
    public const string Bedrock = "bedrock";
}
