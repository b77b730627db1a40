using System.Buffers;
using System.Text.Json;
using ModelRouter.Model;
using static ModelRouter.Upstream.ChatTranslation;

namespace ModelRouter.Upstream.Gemini;

/// <summary>
/// Turns the events of <c>streamGenerateContent?alt=sse</c> (each a whole <c>GenerateContentResponse</c> with the next
/// parts of each candidate) into OpenAI <c>chat.completion.chunk</c> server-sent events. Gemini sends no end event: the
/// stream is complete when the body ends after every candidate has a <c>finishReason</c>; then the usage chunk (when
/// asked for) and <c>[DONE]</c> are written. Not thread-safe: one instance per stream.
/// </summary>
/// <param name="model">The model asked for, written until the vendor names its <c>modelVersion</c>.</param>
/// <param name="created">The Unix time written as <c>created</c>.</param>
/// <param name="includeUsage">Whether the client asked for a usage chunk.</param>
/// <param name="secrets">Masks the LLM's secrets in the vendor's words that go into exception messages.</param>
internal sealed class GeminiStreamTranslator(string model, long created, bool includeUsage, SecretScrubber? secrets = null) : IDisposable
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 256 };
    private readonly SecretScrubber _secrets = secrets ?? SecretScrubber.None;
    private readonly PooledByteBufferWriter _json = new(512);
    private readonly List<ChoiceState> _choices = [];
    private Utf8JsonWriter? _writer;
    private string? _id;
    private string _model = model;
    private GeminiUsage _usage;
    private bool _sawUsage;

    /// <summary>Gets the token counts so far, in OpenAI's terms.</summary>
    public (long InputTokens, long OutputTokens)? Usage => _sawUsage ? (_usage.PromptTokens, _usage.CompletionTokens) : null;

    /// <summary>Gets a value indicating whether <see cref="Complete"/> wrote <c>[DONE]</c>.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Translates one event's <c>data</c>; appends zero or more SSE events to <paramref name="output"/>.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The event is an error or is not a Gemini response.</exception>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(data, s_options);
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                throw new InvalidUpstreamResponseException("The vendor sent a stream event with content after its JSON value.");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidUpstreamResponseException("The vendor sent a stream event that is not a JSON object.");
            }

            if (root.TryGetProperty("error", out var error))
            {
                var status = UpstreamHttp.VendorField(GetString(error, "status"), _secrets);
                var message = UpstreamHttp.VendorText(GetString(error, "message"), _secrets);
                throw new InvalidUpstreamResponseException($"The vendor reported an error in the stream ({status ?? "unknown"}): {message ?? "no message"}");
            }

            _id ??= GetString(root, "responseId") ?? "";
            _model = GetString(root, "modelVersion") ?? _model;
            if (root.TryGetProperty("usageMetadata", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                // Each event carries the counts so far; the last one is the answer's.
                _usage = GeminiUsage.From(usage);
                _sawUsage = true;
            }

            if (root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array)
            {
                var position = 0;
                foreach (var candidate in candidates.EnumerateArray())
                {
                    var index = candidate.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var value) && value is >= 0 and < 128 ? value : position;
                    position++;
                    TranslateCandidate(candidate, State(index), index, output);
                }
            }
            else if (root.TryGetProperty("promptFeedback", out var feedback) && GetString(feedback, "blockReason") is not null)
            {
                var state = State(0);
                if (!state.Finished)
                {
                    WriteFinish(state, 0, "content_filter", output);
                }
            }
        }
    }

    /// <summary>Ends the stream once the vendor's body ended: writes the usage chunk when asked for, and <c>[DONE]</c>.</summary>
    /// <exception cref="InvalidUpstreamResponseException">The body ended before every candidate finished.</exception>
    public void Complete(IBufferWriter<byte> output)
    {
        if (IsComplete)
        {
            return;
        }

        if (_choices.Count == 0 || _choices.Exists(c => !c.Finished))
        {
            throw new InvalidUpstreamResponseException("The vendor ended the stream before its final finishReason.");
        }

        if (includeUsage && _sawUsage)
        {
            var writer = StartEvent();
            writer.WriteStartArray("choices"u8);
            writer.WriteEndArray();
            _usage.Write(writer);
            writer.WriteEndObject();
            FlushEvent(output);
        }

        output.Write("data: [DONE]\n\n"u8);
        IsComplete = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _writer?.Dispose();
        _json.Dispose();
    }

    private ChoiceState State(int index)
    {
        while (_choices.Count <= index)
        {
            _choices.Add(new ChoiceState());
        }

        return _choices[index];
    }

    private void TranslateCandidate(JsonElement candidate, ChoiceState state, int index, IBufferWriter<byte> output)
    {
        if (state.Finished)
        {
            return;
        }

        if (candidate.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (GeminiResponseTranslator.IsThought(part))
                {
                    continue;
                }

                if (GetString(part, "text") is { Length: > 0 } text)
                {
                    var writer = BeginChunk(state, index);
                    writer.WriteString("content"u8, text);
                    EndChunk(output, null);
                }
                else if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object)
                {
                    // Gemini sends each function call whole, in one part: one chunk carries its id, name and arguments.
                    var position = state.ToolCalls++;
                    var writer = BeginChunk(state, index);
                    writer.WriteStartArray("tool_calls"u8);
                    writer.WriteStartObject();
                    writer.WriteNumber("index"u8, position);
                    writer.WriteString("id"u8, GeminiResponseTranslator.CallId(call, _id, index, position));
                    writer.WriteString("type"u8, "function");
                    writer.WriteStartObject("function"u8);
                    writer.WriteString("name"u8, GetString(call, "name") ?? "");
                    writer.WriteString("arguments"u8, call.TryGetProperty("args", out var args) ? Compact(args) : "{}");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    EndChunk(output, null);
                }
            }
        }

        if (GeminiResponseTranslator.MapFinishReason(GetString(candidate, "finishReason"), state.ToolCalls > 0) is { } finish)
        {
            WriteFinish(state, index, finish, output);
        }
    }

    private void WriteFinish(ChoiceState state, int index, string finish, IBufferWriter<byte> output)
    {
        BeginChunk(state, index);
        EndChunk(output, finish);
        state.Finished = true;
    }

    /// <summary>Starts a chunk and returns the writer positioned inside its <c>delta</c> object; the first chunk of a choice names the role.</summary>
    private Utf8JsonWriter BeginChunk(ChoiceState state, int index)
    {
        var writer = StartEvent();
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, index);
        writer.WriteStartObject("delta"u8);
        if (!state.RoleSent)
        {
            writer.WriteString("role"u8, "assistant");
            state.RoleSent = true;
        }

        return writer;
    }

    private void EndChunk(IBufferWriter<byte> output, string? finishReason)
    {
        var writer = _writer!;
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            writer.WriteNull("finish_reason"u8);
        }
        else
        {
            writer.WriteString("finish_reason"u8, finishReason);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        FlushEvent(output);
    }

    private Utf8JsonWriter StartEvent()
    {
        _json.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_json, WriterOptions);
        }
        else
        {
            _writer.Reset(_json);
        }

        var writer = _writer;
        writer.WriteStartObject();
        writer.WriteString("id"u8, _id ?? "");
        writer.WriteString("object"u8, "chat.completion.chunk");
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, _model);
        return writer;
    }

    private void FlushEvent(IBufferWriter<byte> output)
    {
        _writer!.Flush();
        output.Write("data: "u8);
        output.Write(_json.WrittenSpan);
        output.Write("\n\n"u8);
    }

    private sealed class ChoiceState
    {
        public bool RoleSent { get; set; }

        public int ToolCalls { get; set; }

        public bool Finished { get; set; }
    }
}
