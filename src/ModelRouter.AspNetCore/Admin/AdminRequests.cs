using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;
using ModelRouter.Configuration;
using ModelRouter.Storage;

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

    /// <summary>Reads one item in configuration shape, mapped by the same reader as configuration files so that defaults and errors agree.</summary>
    public static async Task<T> ReadItemAsync<T>(HttpContext context, AdminResource<T> resource, long limit)
        where T : class
    {
        var errors = new List<RouterConfigError>();
        var root = await ReadBodyAsync(context, resource.TypeInfo, wrap: true, limit, errors).ConfigureAwait(false);
        var item = resource.Read(root.GetSection("item"), errors);
        if (errors.Count > 0)
        {
            throw new RouterStoreException(RouterStoreError.Invalid, $"The body is not a valid {resource.Noun}.", errors);
        }

        return item;
    }

    /// <summary>
    /// Reads a JSON object body (bounded by maxRequestBodyBytes) as configuration, optionally under the key <c>item</c>,
    /// adding a problem to <paramref name="errors"/> for every field that <paramref name="shape"/> does not have, and
    /// refusing the body at once when it gives a field more than once.
    /// </summary>
    public static async Task<IConfigurationRoot> ReadBodyAsync(HttpContext context, JsonTypeInfo shape, bool wrap, long limit, List<RouterConfigError> errors)
    {
        using var buffer = new MemoryStream();
        if (wrap)
        {
            buffer.Write("{\"item\":"u8);
        }

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
                throw new AdminBadRequestException($"The body is larger than the {limit} byte limit (maxRequestBodyBytes).");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(wrap ? 8 : 0, total));
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

        if (wrap)
        {
            buffer.Write("}"u8);
        }

        buffer.Position = 0;
        try
        {
            return new ConfigurationBuilder().AddJsonStream(buffer).Build();
        }
        catch (FormatException)
        {
            // The check above finds every key the reader would make twice; this only keeps anything it missed a 400.
            // The reader's message quotes configuration keys, so it is not passed on.
            throw new AdminBadRequestException("The body cannot be read as configuration: two of its fields name the same key (names are case-insensitive, and ':' separates levels).");
        }
    }
}

/// <summary>A malformed admin request: bad JSON, query or header.</summary>
/// <param name="message">What is wrong.</param>
/// <param name="field">The query parameter or header at fault, or empty for the body as a whole.</param>
internal sealed class AdminBadRequestException(string message, string field = "") : Exception(message)
{
    /// <summary>Gets the query parameter or header at fault, or empty for the body as a whole.</summary>
    public string Field { get; } = field;
}
