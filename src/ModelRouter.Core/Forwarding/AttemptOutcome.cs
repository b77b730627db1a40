using ModelRouter.Upstream;

namespace ModelRouter.Forwarding;

/// <summary>What one attempt came to: the vendor's answer, or the failure that says what to do next.</summary>
internal readonly struct AttemptOutcome
{
    private AttemptOutcome(AttemptFailure? failure, string model, ReadOnlyMemory<byte> content, ChatEventReader? stream, IDisposable? owner, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        Headers = headers;
        Failure = failure;
        Model = model;
        Content = content;
        Stream = stream;
        Owner = owner;
    }

    /// <summary>Gets the failure, or <see langword="null"/> when the vendor served the request.</summary>
    public AttemptFailure? Failure { get; }

    /// <summary>Gets the model name sent to the vendor, after mapping.</summary>
    public string Model { get; }

    /// <summary>Gets the OpenAI body of a served, non-streamed answer; for a stream, its first chunk.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Gets the rest of a served stream, or <see langword="null"/> for a JSON answer.</summary>
    public ChatEventReader? Stream { get; }

    /// <summary>Gets what the answer's owner disposes with it: the vendor's response and the attempt's timeout.</summary>
    public IDisposable? Owner { get; }

    /// <summary>Gets the vendor's rate-limit headers that the client may see, or <see langword="null"/> for none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; }

    public static AttemptOutcome Served(string model, ReadOnlyMemory<byte> content, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
        => new(null, model, content, null, null, headers);

    public static AttemptOutcome Streamed(string model, ChatEventReader stream, ReadOnlyMemory<byte> first, IDisposable owner, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
        => new(null, model, first, stream, owner, headers);

    public static AttemptOutcome Failed(AttemptFailure failure) => new(failure, "", default, null, null);
}
