using System.ClientModel;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelRouter.Configuration;
using OpenAI;
using OpenAI.Chat;

namespace ModelRouter.IntegrationTests.AzureProvider;

/// <summary>The official OpenAI SDK talks to the router, which calls a fake Azure OpenAI vendor on loopback.</summary>
public class AzureRouterIntegrationTests
{
    private const string AzureKey = "azure-fake-key";

    [TestCase("2024-10-21", "/openai/deployments/gpt4o-prod/chat/completions", "2024-10-21")]
    [TestCase("v1", "/openai/v1/chat/completions", null)]
    public async Task CompleteChat_ReachesDeploymentWithApiVersionAndKey(string apiVersion, string expectedPath, string? expectedVersion)
    {
        var seen = new ConcurrentQueue<(string Path, string? Version, string? Key, string? Authorization, string Body)>();
        await using var azure = await LoopbackApp.StartAsync(_ => { }, app => app.MapPost("/openai/{**rest}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            seen.Enqueue((context.Request.Path, context.Request.Query["api-version"].FirstOrDefault(), context.Request.Headers["api-key"].FirstOrDefault(), context.Request.Headers.Authorization.FirstOrDefault(), body));
            if (context.Request.Headers["api-key"] != AzureKey)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { error = new { code = "401", message = "Access denied due to invalid subscription key." } });
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":"chatcmpl-az","object":"chat.completion","created":1700000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from Azure"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}""");
        }));
        var llm = new LlmConfig { Id = "azure", Provider = ProviderKinds.AzureOpenAI, BaseUrl = azure.Address.ToString(), ApiKey = AzureKey, ApiVersion = apiVersion };
        await using var router = await RouterHost.StartAsync((llm, "gpt4o-prod"));
        var client = new ChatClient("gpt-4", new ApiKeyCredential("no-app-key-needed"), new OpenAIClientOptions
        {
            Endpoint = new Uri(router.Address, "router/prod/v1"),
            NetworkTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Hello")]);

        Assert.That(completion.Content.Single().Text, Is.EqualTo("Hello from Azure"));
        Assert.That(completion.Usage.TotalTokenCount, Is.EqualTo(8));
        var request = seen.Single();
        Assert.That(request.Path, Is.EqualTo(expectedPath));
        Assert.That(request.Version, Is.EqualTo(expectedVersion));
        Assert.That(request.Key, Is.EqualTo(AzureKey));
        Assert.That(request.Authorization, Is.Null, "the key travels only in api-key");
        Assert.That(request.Body, Does.Contain("\"model\":\"gpt4o-prod\""));
    }
}
