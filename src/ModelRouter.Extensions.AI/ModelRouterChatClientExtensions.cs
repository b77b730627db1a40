using System.ClientModel;
using System.ClientModel.Primitives;
using ModelRouter.Extensions.AI;
using ModelRouter.Routing;
using OpenAI;
using OpenAI.Chat;

namespace Microsoft.Extensions.AI;

/// <summary>Makes a router a <see cref="IChatClient"/>.</summary>
public static class ModelRouterChatClientExtensions
{
    /// <summary>Returns an <see cref="IChatClient"/> that sends each chat through the router <paramref name="routerSlug"/>, in process.</summary>
    /// <param name="router">The router.</param>
    /// <param name="routerSlug">The slug of the router to call.</param>
    /// <param name="options">The default model and how the client identifies itself.</param>
    /// <remarks>
    /// The official OpenAI library and <c>Microsoft.Extensions.AI.OpenAI</c> translate messages, tools, streaming and usage
    /// to and from OpenAI chat completions; the router speaks each vendor's own protocol behind it. Nothing goes over the
    /// network between the client and the router, and the OpenAI library's own retries are off: failover is the router's.
    /// A router error arrives as a <see cref="ClientResultException"/> with the router's status and message.
    /// </remarks>
    public static IChatClient AsIChatClient(this IModelRouter router, string routerSlug, ModelRouterChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentException.ThrowIfNullOrEmpty(routerSlug);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.DefaultModel, nameof(options));

#pragma warning disable CA2000 // The HttpClient, and with it the handler, belong to the pipeline the chat client keeps.
        var transport = new HttpClientPipelineTransport(new HttpClient(new RouterMessageHandler(router, routerSlug, options)));
#pragma warning restore CA2000
        var client = new ChatClient(options.DefaultModel, new ApiKeyCredential("in-process"), new OpenAIClientOptions
        {
            Endpoint = RouterMessageHandler.Endpoint,
            Transport = transport,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });
        return client.AsIChatClient();
    }
}
