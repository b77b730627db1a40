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
#pragma warning disable RS0027 // The overload taking options has fewer parameters: kept as it was, for the hosts that call it.
    public static IEndpointConventionBuilder MapModelRouter(this IEndpointRouteBuilder endpoints, string prefix = "/router")
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return endpoints.MapModelRouter(o => o.Prefix = prefix);
    }

    /// <summary>
    /// Serves every router as <see cref="MapModelRouter(IEndpointRouteBuilder, string)"/> does, and with
    /// <see cref="ModelRouterEndpointOptions.UnifiedEndpoint"/> also the unified endpoint: <c>POST /v1/chat/completions</c>,
    /// <c>/v1/embeddings</c>, <c>/v1/messages</c> and <c>GET /v1/models</c>, the router named by the model
    /// (<c>{router}/{model}</c>).
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="configure">Sets the prefix and turns the unified endpoint on.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization()</c>, applied to every endpoint mapped here.</returns>
    /// <exception cref="InvalidOperationException"><c>AddModelRouter</c> was not called on the service collection.</exception>
    public static IEndpointConventionBuilder MapModelRouter(this IEndpointRouteBuilder endpoints, Action<ModelRouterEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ModelRouterEndpointOptions();
        configure(options);
        var prefix = options.Prefix ?? throw new ArgumentException("The prefix must not be null.", nameof(configure));
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
        if (!options.UnifiedEndpoint)
        {
            return new ModelRouterConventionBuilder(group);
        }

        var unified = endpoints.MapGroup("/v1");
        unified.MapPost("/chat/completions", handler.HandleUnifiedAsync).WithDisplayName("ModelRouter unified chat completions");
        unified.MapPost("/embeddings", handler.HandleUnifiedEmbeddingsAsync).WithDisplayName("ModelRouter unified embeddings");
        unified.MapPost("/messages", handler.HandleUnifiedMessagesAsync).WithDisplayName("ModelRouter unified messages");
        unified.MapGet("/models", models.HandleUnifiedAsync).WithDisplayName("ModelRouter unified models");
        unified.Map("/chat/completions", ChatCompletionsEndpoint.MethodNotAllowedAsync).WithOrder(1).WithDisplayName("ModelRouter unified chat completions (wrong method)");
        unified.Map("/embeddings", ChatCompletionsEndpoint.MethodNotAllowedAsync).WithOrder(1).WithDisplayName("ModelRouter unified embeddings (wrong method)");
        unified.Map("/messages", ChatCompletionsEndpoint.MessagesMethodNotAllowedAsync).WithOrder(1).WithDisplayName("ModelRouter unified messages (wrong method)");
        unified.Map("/models", ModelsEndpoint.MethodNotAllowedAsync).WithOrder(1).WithDisplayName("ModelRouter unified models (wrong method)");
        return new ModelRouterConventionBuilder(group, unified);
    }

    /// <summary>Wraps the route group so hosts can add conventions while the group itself stays ours to change.</summary>
    private sealed class ModelRouterConventionBuilder(IEndpointConventionBuilder inner, IEndpointConventionBuilder? unified = null) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            inner.Add(convention);
            unified?.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            inner.Finally(finallyConvention);
            unified?.Finally(finallyConvention);
        }
    }
}
