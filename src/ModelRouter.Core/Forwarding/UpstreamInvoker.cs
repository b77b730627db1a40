using ModelRouter.Routing;

namespace ModelRouter.Forwarding;

/// <summary>
/// Sends upstream requests through the handler pipeline that <c>IHttpClientFactory</c> builds for
/// <see cref="ModelRouterDefaults.HttpClientName"/>, with an <see cref="HttpMessageInvoker"/> instead of a new
/// <see cref="HttpClient"/> per request.
/// </summary>
/// <remarks>
/// The router sets its own timeouts and cancellation on every attempt, so <see cref="HttpClient"/> would add only cost:
/// an instance and a cancellation source per request, and a linked source and an extra async layer per send (YARP
/// forwards through an invoker for the same reason). The factory's handler rotation still applies: a new handler
/// gets a new invoker, and the old one is released for the factory to dispose. A host that replaces
/// <c>IHttpClientFactory</c> must replace <see cref="IHttpMessageHandlerFactory"/> too: the router asks only the latter.
/// </remarks>
internal sealed class UpstreamInvoker(IHttpMessageHandlerFactory handlers)
{
    private Entry? _current;

    /// <summary>Gets the invoker over the factory's current handler for the router's named client.</summary>
    public HttpMessageInvoker Current
    {
        get
        {
            var handler = handlers.CreateHandler(ModelRouterDefaults.HttpClientName);
            var current = Volatile.Read(ref _current);
            if (current is not null && ReferenceEquals(current.Handler, handler))
            {
                return current.Invoker;
            }

            // The factory rotated its handler (or this is the first request). A race here only builds one spare invoker.
            var entry = new Entry(handler, new HttpMessageInvoker(handler, disposeHandler: false));
            Volatile.Write(ref _current, entry);
            return entry.Invoker;
        }
    }

    private sealed record Entry(HttpMessageHandler Handler, HttpMessageInvoker Invoker);
}
