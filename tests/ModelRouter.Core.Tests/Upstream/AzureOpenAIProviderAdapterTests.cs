using ModelRouter.Configuration;
using ModelRouter.Upstream;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream;

public class AzureOpenAIProviderAdapterTests
{
    [TestCase("https://res.openai.azure.com", "gpt4o-prod", "2024-10-21", "https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21")]
    [TestCase("https://res.openai.azure.com/openai", "gpt4o-prod", "2024-10-21", "https://res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21")]
    [TestCase("https://res.openai.azure.com", "my deployment", "2025-01-01-preview", "https://res.openai.azure.com/openai/deployments/my%20deployment/chat/completions?api-version=2025-01-01-preview")]
    [TestCase("https://res.openai.azure.com", "gpt4o-prod", "v1", "https://res.openai.azure.com/openai/v1/chat/completions")]
    [TestCase("https://res.openai.azure.com/", "gpt4o-prod", null, "https://res.openai.azure.com/openai/v1/chat/completions")]
    public void CreateRequest_BuildsDeploymentOrV1Url(string baseUrl, string deployment, string? apiVersion, string expected)
    {
        var llm = new LlmConfig { Id = "az", Provider = ProviderKinds.AzureOpenAI, BaseUrl = baseUrl, ApiKey = "az-secret", ApiVersion = apiVersion };
        using var request = new AzureOpenAIProviderAdapter().CreateRequest(Context("""{"model":"gpt-4o","messages":[]}""", llm, deployment));

        Assert.That(request.RequestUri!.AbsoluteUri, Is.EqualTo(expected));
    }

    [TestCase("https://res.openai.azure.com", "2024-10-21", "https://res.openai.azure.com/openai/deployments/emb-prod/embeddings?api-version=2024-10-21")]
    [TestCase("https://res.openai.azure.com/openai/", "2024-10-21", "https://res.openai.azure.com/openai/deployments/emb-prod/embeddings?api-version=2024-10-21")]
    [TestCase("https://res.openai.azure.com", null, "https://res.openai.azure.com/openai/v1/embeddings")]
    public async Task CreateRequest_Embeddings_BuildsDeploymentOrV1EmbeddingsUrl(string baseUrl, string? apiVersion, string expected)
    {
        var llm = new LlmConfig { Id = "az", Provider = ProviderKinds.AzureOpenAI, BaseUrl = baseUrl, ApiKey = "az-secret", ApiVersion = apiVersion };
        using var request = new AzureOpenAIProviderAdapter().CreateRequest(
            Context("""{"input":["a","b"],"model":"text-embedding-3-small","dimensions":8}""", llm, "emb-prod", ModelRouterOperation.Embeddings));

        Assert.That(request.RequestUri!.AbsoluteUri, Is.EqualTo(expected));
        Assert.That(await request.Content!.ReadAsStringAsync(), Is.EqualTo("""{"input":["a","b"],"model":"emb-prod","dimensions":8}"""));
    }

    [Test]
    public async Task CreateRequest_SendsApiKeyHeaderAndMappedModel()
    {
        var llm = new LlmConfig { Id = "az", Provider = ProviderKinds.AzureOpenAI, BaseUrl = "https://res.openai.azure.com", ApiKey = "az-secret", ApiVersion = "2024-10-21" };
        using var request = new AzureOpenAIProviderAdapter().CreateRequest(Context("""{"model":"gpt-4o","messages":[],"stream":true}""", llm, "gpt4o-prod"));

        Assert.That(request.Headers.GetValues("api-key").Single(), Is.EqualTo("az-secret"));
        Assert.That(request.Headers.Authorization, Is.Null);
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("text/event-stream"));
        AssertJsonEqual(await request.Content!.ReadAsStringAsync(), """{"model":"gpt4o-prod","messages":[],"stream":true}""");
    }
}
