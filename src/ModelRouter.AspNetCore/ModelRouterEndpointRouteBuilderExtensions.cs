using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ModelRouter endpoints.</summary>
public static class ModelRouterEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves every router at <c>POST {prefix}/{slug}/v1/chat/completions</c> (OpenAI-compatible, streaming included) and
    /// <c>POST {prefix}/{slug}/v1/embeddings</c>, Anthropic's Messages API at <c>POST {prefix}/{slug}/v1/messages</c>
    /// (streaming included; errors in Anthropic's shape), and the model names a client of it can ask for at <c>GET {prefix}/{slug}/v1/models</c>, under the same app-key rules.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The path prefix. The default is <c>/router</c>.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization()</c> or <c>RequireRateLimiting()</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddModelRouter</c> was not called on the service collection.</exception>
    public static IEndpointConventionBuilder MapModelRouter(this IEndpointRouteBuilder endpoints, string prefix = "/router")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (endpoints.ServiceProvider.GetService<ModelRouterMarker>() is null)
        {
            throw new InvalidOperationException(
                "ModelRouter services are not registered. Call builder.Services.AddModelRouter(...) before app.MapModelRouter().");
        }

        var handler = ActivatorUtilities.CreateInstance<ChatCompletionsEndpoint>(endpoints.ServiceProvider);
        var group = endpoints.MapGroup(prefix.TrimEnd('/') + "/{slug}/v1");
        group.MapPost("/chat/completions", handler.HandleAsync).WithDisplayName("ModelRouter chat completions");
        // Every other method (OPTIONS, TRACE and unknown ones included) gets the 405 envelope from one endpoint without
        // method metadata, which matches them all; its later order leaves POST to the endpoint above.
        group.Map("/chat/completions", ChatCompletionsEndpoint.MethodNotAllowedAsync)
            .WithOrder(1)
            .WithDisplayName("ModelRouter chat completions (wrong method)");
        group.MapPost("/embeddings", handler.HandleEmbeddingsAsync).WithDisplayName("ModelRouter embeddings");
        group.Map("/embeddings", ChatCompletionsEndpoint.MethodNotAllowedAsync)
            .WithOrder(1)
            .WithDisplayName("ModelRouter embeddings (wrong method)");
        group.MapPost("/messages", handler.HandleMessagesAsync).WithDisplayName("ModelRouter messages");
        group.Map("/messages", ChatCompletionsEndpoint.MessagesMethodNotAllowedAsync)
            .WithOrder(1)
            .WithDisplayName("ModelRouter messages (wrong method)");
        var models = ActivatorUtilities.CreateInstance<ModelsEndpoint>(endpoints.ServiceProvider);
        group.MapGet("/models", models.HandleAsync).WithDisplayName("ModelRouter models");
        group.Map("/models", ModelsEndpoint.MethodNotAllowedAsync)
            .WithOrder(1)
            .WithDisplayName("ModelRouter models (wrong method)");
        return new ModelRouterConventionBuilder(group);
    }

    /// <summary>Wraps the route group so hosts can add conventions while the group itself stays ours to change.</summary>
    private sealed class ModelRouterConventionBuilder(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => inner.Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(finallyConvention);
    }
}
