using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ModelRouter.Serialization;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>Reads admin requests: route keys, If-Match, query numbers and JSON bodies in configuration shape.</summary>
internal static class AdminRequests
{
    public static string RouteKey(HttpContext context) => context.Request.RouteValues["key"] as string ?? "";

    public static string? IfMatch(HttpContext context)
    {
        var value = context.Request.Headers.IfMatch.ToString().Trim();
        if (value.Length == 0)
        {
            return null;
        }

        if (value == "*")
        {
            return "*";
        }

        if (!EntityTagHeaderValue.TryParse(value.Split(',')[0].Trim(), out var tag))
        {
            throw new AdminBadRequestException($"If-Match '{value}' is not an entity tag; send the ETag of an earlier response, for example \"12\".", "If-Match");
        }

        return tag.Tag.ToString().Trim('"');
    }

    public static int ReadInt(string? text, int fallback, int min, int max, string name)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new AdminBadRequestException($"{name} must be a whole number from {min} to {max} (got '{text}').", name);
        }

        return value;
    }

    /// <summary>Reads one item: the body is checked against the item's document, then read with the defaults of what it leaves out.</summary>
    public static async Task<T> ReadItemAsync<T>(HttpContext context, AdminResource<T> resource, long limit)
        where T : class
    {
        var body = await ReadBodyAsync(context, resource.Shape, resource.Noun, limit).ConfigureAwait(false);
        return Deserialize(body, resource.Read, resource.Noun);
    }

    private static AdminBadRequestException TooLarge(long limit)
        => new($"The body is larger than the {limit} byte limit (maxRequestBodyBytes).", "", StatusCodes.Status413PayloadTooLarge);

    /// <summary>
    /// Reads a JSON object body (bounded by maxRequestBodyBytes) and checks it against <paramref name="shape"/>: a body
    /// that gives a field more than once is refused at once; otherwise every unknown field and every value of the wrong
    /// kind is refused together, each keyed by its path.
    /// </summary>
    /// <returns>The body, which the deserializer of <paramref name="shape"/> can then read.</returns>
    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, JsonTypeInfo shape, string noun, long limit)
    {
        if (!JsonContentType.IsAcceptable(context.Request.ContentType))
        {
            throw new AdminBadRequestException(JsonContentType.Refusal, "Content-Type", StatusCodes.Status415UnsupportedMediaType);
        }

        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        var total = 0;
        while (true)
        {
            var read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        var body = buffer.GetBuffer().AsMemory(0, total);
        if (!Utf8.IsValid(body.Span))
        {
            // JSON text is UTF-8 (RFC 8259); a field name that is not cannot even be named in an error.
            throw new AdminBadRequestException("The body is not valid UTF-8 text.");
        }

        var errors = new List<ModelRouterConfigError>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AdminBadRequestException("The body must be a JSON object.");
            }

            if (AdminJsonShape.Check(document.RootElement, shape, errors))
            {
                throw new RouterStoreException(RouterStoreError.Invalid, "The body gives a field more than once.", errors);
            }
        }
        catch (JsonException ex)
        {
            // The message names the position; it quotes no values.
            throw new AdminBadRequestException("The body is not valid JSON: " + ex.Message);
        }

        if (errors.Count > 0)
        {
            throw new RouterStoreException(RouterStoreError.Invalid, $"The body is not a valid {noun}.", errors);
        }

        return body;
    }

    /// <summary>Reads a checked body; should the deserializer still refuse a value, that is a 400 naming its field too.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> body, Func<ReadOnlyMemory<byte>, T> read, string noun)
    {
        try
        {
            return read(body);
        }
        catch (JsonException ex)
        {
            // The deserializer's message names types and positions, never values.
            var field = ConfigDocuments.FieldOf(ex);
            throw new RouterStoreException(RouterStoreError.Invalid, $"The body is not a valid {noun}.", [new ModelRouterConfigError(field, ex.Message)]);
        }
    }
}

/// <summary>A malformed admin request: bad JSON, query or header, a body too large (413) or not JSON (415).</summary>
/// <param name="message">What is wrong.</param>
/// <param name="field">The query parameter or header at fault, or empty for the body as a whole.</param>
/// <param name="status">The status to answer with.</param>
internal sealed class AdminBadRequestException(string message, string field = "", int status = 400) : Exception(message)
{
    /// <summary>Gets the status to answer with: 400, or 413 and 415 for a body too large or not JSON.</summary>
    public int Status { get; } = status;

    /// <summary>Gets the query parameter or header at fault, or empty for the body as a whole.</summary>
    public string Field { get; } = field;
}
