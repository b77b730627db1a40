using System.Buffers;

namespace ModelRouter.Upstream;

/// <summary>
/// Turns a vendor's server-sent events, one at a time, into the events the client gets (see <see cref="TranslatedEventStream"/>).
/// Not thread-safe: one instance per stream.
/// </summary>
internal abstract class SseEventTranslator : IDisposable
{
    /// <summary>Gets a value indicating whether the vendor's final event arrived and the client's final event was written.</summary>
    public bool IsComplete { get; protected set; }

    /// <summary>Gets the token counts seen in the vendor's events, for the router's telemetry, or <see langword="null"/>.</summary>
    public virtual (long InputTokens, long OutputTokens)? Usage => null;

    /// <summary>Translates one event; appends zero or more events to <paramref name="output"/>.</summary>
    /// <param name="eventType">The event's <c>event:</c> name (<c>message</c> when it has none).</param>
    /// <param name="data">The event's data.</param>
    /// <param name="output">Where the client's events go.</param>
    /// <exception cref="InvalidUpstreamResponseException">The event is an error, is malformed, or arrives out of order.</exception>
    public abstract void Translate(string eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <inheritdoc/>
    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}
