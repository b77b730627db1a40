using System.Net;
using System.Text.Json;

namespace ModelRouter.Model;

/// <summary>
/// A client's request body, read once: its bytes, the requested model and the stream flag (a chat completion, an
/// embeddings request or an Anthropic Messages request: see <see cref="Operation"/>). The body is validated in full
/// without building a document, and forwarded with only the <c>model</c> value replaced.
/// </summary>
public sealed class ChatRequestBody
{
    private readonly int _modelTokenStart;
    private readonly int _modelTokenLength;
    private readonly UsageSplice _usageSplice;

    private ChatRequestBody(ReadOnlyMemory<byte> utf8Json, string model, bool stream, bool includeUsage, int modelTokenStart, int modelTokenLength, UsageSplice usageSplice, ModelRouterOperation operation)
    {
        Operation = operation;
        Utf8Json = utf8Json;
        Model = model;
        Stream = stream;
        IncludeUsage = includeUsage;
        _modelTokenStart = modelTokenStart;
        _modelTokenLength = modelTokenLength;
        _usageSplice = usageSplice;
    }

    /// <summary>Gets what the request asks for, and so the shape of its body and of the answer.</summary>
    public ModelRouterOperation Operation { get; }

    /// <summary>Gets the client's <c>anthropic-version</c> header (Messages door), sent to an Anthropic vendor in place of the LLM's own.</summary>
    internal string? AnthropicVersion { get; set; }

    /// <summary>Gets the client's <c>anthropic-beta</c> header (Messages door), sent on to an Anthropic vendor.</summary>
    internal string? AnthropicBeta { get; set; }

    /// <summary>Gets the body as the client sent it.</summary>
    public ReadOnlyMemory<byte> Utf8Json { get; }

    /// <summary>Gets the requested model.</summary>
    public string Model { get; private set; }

    /// <summary>
    /// Gets <see cref="Model"/> as a quoted JSON string when the body's own <c>model</c> is not what a vendor without a
    /// mapping should get (the unified endpoint's <c>{router}/{model}</c>); empty otherwise.
    /// </summary>
    internal ReadOnlyMemory<byte> ModelJson { get; private set; }

    /// <summary>Gets a value indicating whether the client asked for a stream (<c>"stream": true</c>).</summary>
    public bool Stream { get; }

    /// <summary>Gets a value indicating whether the client asked for usage in the stream (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; }

    /// <summary>Reads and validates a chat completion body.</summary>
    /// <param name="utf8Json">The body. It is not copied: keep it alive while the request is in flight.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <exception cref="ModelRouterException">The body is not a JSON object with a non-empty string <c>model</c> of valid UTF-8 text (status 400).</exception>
    public static ChatRequestBody Parse(ReadOnlyMemory<byte> utf8Json, int maxDepth = 64)
        => Parse(utf8Json, maxDepth, ModelRouterOperation.ChatCompletions);

    /// <summary>Reads and validates the body of a request for <paramref name="operation"/>.</summary>
    /// <exception cref="ModelRouterException">The body is not a JSON object with a non-empty string <c>model</c> of valid UTF-8 text (status 400).</exception>
    internal static ChatRequestBody Parse(ReadOnlyMemory<byte> utf8Json, int maxDepth, ModelRouterOperation operation)
    {
        var reader = new Utf8JsonReader(utf8Json.Span, new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow });
        string? model = null;
        int modelStart = 0, modelLength = 0;
        bool stream = false, includeUsage = false, sawModel = false;
        UsageSplice usageSplice = default;
        try
        {
            if (!reader.Read())
            {
                throw Invalid("The request body is empty; send a JSON object with a 'model' field.", null);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("The request body must be a JSON object.", null);
            }

            usageSplice = new UsageSplice((int)reader.TokenStartIndex + 1, 0, UsageSplice.NewStreamOptions);

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (NameIs(ref reader, "model"u8))
                {
                    reader.Read();
                    sawModel = true;
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Invalid("'model' must be a string.", "model");
                    }

                    model = ReadModel(ref reader);
                    modelStart = (int)reader.TokenStartIndex;
                    modelLength = (int)reader.BytesConsumed - modelStart;
                }
                else if (NameIs(ref reader, "stream"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    {
                        throw Invalid("'stream' must be a boolean.", "stream");
                    }

                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (NameIs(ref reader, "stream_options"u8))
                {
                    reader.Read();
                    includeUsage = ReadIncludeUsage(ref reader, out usageSplice);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw Invalid("The request body is not valid JSON.", null);
            }

            // Anything after the object (other than white space) is malformed.
            if (reader.Read())
            {
                throw Invalid("The request body has content after its JSON object.", null);
            }
        }
        catch (JsonException ex)
        {
            // Tell "too deep" from "truncated" by the reader's own depth, not by the wording of the exception (whose
            // end-of-input message also speaks of depth). CurrentDepth does not count a container that was just opened.
            var openContainers = reader.CurrentDepth + (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : 0);
            var detail = openContainers >= maxDepth
                ? $"The request body nests deeper than {maxDepth} levels."
                : $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
            throw Invalid(detail, null);
        }

        if (!sawModel)
        {
            throw Invalid("The request body has no 'model' field.", "model");
        }

        if (string.IsNullOrEmpty(model))
        {
            throw Invalid("'model' must not be empty.", "model");
        }

        return new ChatRequestBody(utf8Json, model, stream, includeUsage, modelStart, modelLength, usageSplice, operation);
    }

    /// <summary>
    /// Takes the router's slug from a unified endpoint's <c>model</c> (<c>{router}/{model}</c>): the part before the first
    /// <c>/</c>; the rest becomes <see cref="Model"/>, the name the pools see and the vendors get unless mapped.
    /// </summary>
    /// <exception cref="ModelRouterException">The model names no router, or nothing after it (400, <c>param</c> <c>model</c>).</exception>
    internal string TakeRouterSlug()
    {
        var slash = Model.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == Model.Length - 1)
        {
            throw new ModelRouterException(
                ModelRouterErrorKind.InvalidRequest,
                $"The model must name the router first, as '{{router}}/{{model}}' (for example 'prod/gpt-4o'); '{Routing.RouterAccess.Shorten(Model)}' does not.")
            {
                Param = "model",
                ErrorCode = "invalid_model",
            };
        }

        var slug = Model[..slash];
        Model = Model[(slash + 1)..];
        ModelJson = EncodeModel(Model);
        return slug;
    }

    /// <summary>Creates the content to send upstream, with <c>model</c> replaced when <paramref name="modelJson"/> is not empty.</summary>
    /// <param name="modelJson">The new model as a quoted JSON string in UTF-8 (see <see cref="EncodeModel(string)"/>), or empty to keep the body as is.</param>
    /// <remarks>No copy of the body is made: the content writes the bytes before and after the model value around the new value.</remarks>
    public HttpContent CreateContent(ReadOnlyMemory<byte> modelJson)
        => modelJson.IsEmpty
            ? new ReadOnlyMemoryContent(Utf8Json) { Headers = { ContentType = ModelRewritingContent.JsonContentType } }
            : new ModelRewritingContent(Utf8Json, _modelTokenStart, _modelTokenLength, modelJson);

    /// <summary>
    /// Creates the content to send upstream, with <c>model</c> replaced as <see cref="CreateContent(ReadOnlyMemory{byte})"/>
    /// does and, when <paramref name="askForUsage"/> is set on a stream whose client did not ask for usage,
    /// <c>stream_options.include_usage</c> set to <see langword="true"/> (added, or its value replaced); the rest of the
    /// body, other stream options included, passes unchanged.
    /// </summary>
    internal HttpContent CreateContent(ReadOnlyMemory<byte> modelJson, bool askForUsage)
    {
        if (!askForUsage || !Stream || IncludeUsage)
        {
            return CreateContent(modelJson);
        }

        // Two splices in body order: the model value (kept as is when no mapped name is given) and the usage option.
        var (model, modelStart, modelLength) = modelJson.IsEmpty
            ? (Utf8Json.Slice(_modelTokenStart, _modelTokenLength), _modelTokenStart, _modelTokenLength)
            : (modelJson, _modelTokenStart, _modelTokenLength);
        var usage = _usageSplice;
        return usage.Start < modelStart
            ? new SplicedContent(Utf8Json, usage.Start, usage.Length, usage.Insert, modelStart, modelLength, model)
            : new SplicedContent(Utf8Json, modelStart, modelLength, model, usage.Start, usage.Length, usage.Insert);
    }

    /// <summary>Returns the body with <c>model</c> replaced, as one new array.</summary>
    /// <param name="modelJson">The new model as a quoted JSON string in UTF-8 (see <see cref="EncodeModel(string)"/>).</param>
    public byte[] RewriteModel(ReadOnlySpan<byte> modelJson)
    {
        var body = Utf8Json.Span;
        var result = new byte[body.Length - _modelTokenLength + modelJson.Length];
        body[.._modelTokenStart].CopyTo(result);
        modelJson.CopyTo(result.AsSpan(_modelTokenStart));
        body[(_modelTokenStart + _modelTokenLength)..].CopyTo(result.AsSpan(_modelTokenStart + modelJson.Length));
        return result;
    }

    /// <summary>Encodes a model name as a quoted JSON string in UTF-8, the form <see cref="CreateContent(ReadOnlyMemory{byte})"/> takes.</summary>
    public static byte[] EncodeModel(string model)
    {
        var encoded = JsonEncodedText.Encode(model).EncodedUtf8Bytes;
        var result = new byte[encoded.Length + 2];
        result[0] = (byte)'"';
        encoded.CopyTo(result.AsSpan(1));
        result[^1] = (byte)'"';
        return result;
    }

    /// <summary>
    /// Reads the model. The reader checks neither the UTF-8 of a string nor the pairing of its surrogate escapes;
    /// <see cref="Utf8JsonReader.GetString"/> does, and its refusal is the client's fault, not ours.
    /// </summary>
    private static string ReadModel(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid("'model' must be valid UTF-8 text; it has an invalid byte sequence or an unpaired surrogate escape (\\uD800-\\uDFFF).", "model");
        }
    }

    /// <summary>Tells whether the current property name is <paramref name="name"/>.</summary>
    /// <remarks>
    /// Comparing an escaped name unescapes it, which throws on an unpaired surrogate escape (<c>"\ud800"</c>); such a
    /// name is none of the ones read here, so it is skipped and forwarded like any other field.
    /// </remarks>
    private static bool NameIs(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueTextEquals(name);
        }

        try
        {
            return reader.ValueTextEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads <c>stream_options</c>, and notes where <c>include_usage: true</c> would go: how to ask for usage on the client's behalf.</summary>
    private static bool ReadIncludeUsage(ref Utf8JsonReader reader, out UsageSplice splice)
    {
        var valueStart = (int)reader.TokenStartIndex;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            splice = new UsageSplice(valueStart, (int)reader.BytesConsumed - valueStart, UsageSplice.NewOptionsValue);
            return false;
        }

        var include = false;
        var empty = true;
        splice = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            empty = false;
            var isIncludeUsage = NameIs(ref reader, "include_usage"u8);
            reader.Read();
            if (isIncludeUsage && reader.TokenType == JsonTokenType.True)
            {
                include = true;
            }
            else
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isIncludeUsage)
                {
                    splice = new UsageSplice(start, (int)reader.BytesConsumed - start, UsageSplice.True);
                }
            }
        }

        if (splice.Insert.IsEmpty)
        {
            splice = new UsageSplice(valueStart + 1, 0, empty ? UsageSplice.FirstOption : UsageSplice.NewOption);
        }

        return include;
    }

    private static ModelRouterException Invalid(string message, string? param)
        => new(ModelRouterErrorKind.InvalidRequest, message) { Param = param };

    /// <summary>Where and how the body is changed to ask for usage: <paramref name="Length"/> bytes at <paramref name="Start"/> become <paramref name="Insert"/>.</summary>
    private readonly record struct UsageSplice(int Start, int Length, ReadOnlyMemory<byte> Insert)
    {
        /// <summary>No <c>stream_options</c>: one is added as the body's first property.</summary>
        public static readonly ReadOnlyMemory<byte> NewStreamOptions = "\"stream_options\":{\"include_usage\":true},"u8.ToArray();

        /// <summary>A <c>stream_options</c> that is not an object (<c>null</c>, say): its value is replaced.</summary>
        public static readonly ReadOnlyMemory<byte> NewOptionsValue = "{\"include_usage\":true}"u8.ToArray();

        /// <summary>A <c>stream_options</c> object without <c>include_usage</c>: it is added as the first option.</summary>
        public static readonly ReadOnlyMemory<byte> NewOption = "\"include_usage\":true,"u8.ToArray();

        /// <summary>An empty <c>stream_options</c> object: <c>include_usage</c> becomes its only option.</summary>
        public static readonly ReadOnlyMemory<byte> FirstOption = "\"include_usage\":true"u8.ToArray();

        /// <summary>An <c>include_usage</c> that is not <see langword="true"/>: its value is replaced.</summary>
        public static readonly ReadOnlyMemory<byte> True = "true"u8.ToArray();
    }

    /// <summary>The body with two ranges replaced (the first before the second), written without copying the body.</summary>
    private sealed class SplicedContent : HttpContent
    {
        private readonly ReadOnlyMemory<byte> _body;
        private readonly int _start1;
        private readonly int _length1;
        private readonly ReadOnlyMemory<byte> _insert1;
        private readonly int _start2;
        private readonly int _length2;
        private readonly ReadOnlyMemory<byte> _insert2;

        public SplicedContent(ReadOnlyMemory<byte> body, int start1, int length1, ReadOnlyMemory<byte> insert1, int start2, int length2, ReadOnlyMemory<byte> insert2)
        {
            _body = body;
            _start1 = start1;
            _length1 = length1;
            _insert1 = insert1;
            _start2 = start2;
            _length2 = length2;
            _insert2 = insert2;
            Headers.ContentType = ModelRewritingContent.JsonContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(_body[.._start1], cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_insert1, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_body[(_start1 + _length1).._start2], cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_insert2, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_body[(_start2 + _length2)..], cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length - _length1 + _insert1.Length - _length2 + _insert2.Length;
            return true;
        }
    }

    private sealed class ModelRewritingContent : HttpContent
    {
        internal static readonly System.Net.Http.Headers.MediaTypeHeaderValue JsonContentType = new("application/json");
        private readonly ReadOnlyMemory<byte> _body;
        private readonly int _tokenStart;
        private readonly int _tokenLength;
        private readonly ReadOnlyMemory<byte> _model;

        public ModelRewritingContent(ReadOnlyMemory<byte> body, int tokenStart, int tokenLength, ReadOnlyMemory<byte> model)
        {
            _body = body;
            _tokenStart = tokenStart;
            _tokenLength = tokenLength;
            _model = model;
            Headers.ContentType = JsonContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(_body[.._tokenStart], cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_model, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(_body[(_tokenStart + _tokenLength)..], cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length - _tokenLength + _model.Length;
            return true;
        }
    }
}
