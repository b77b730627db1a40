namespace ModelRouter.AspNetCore;

/// <summary>
/// Which request bodies the endpoints read as JSON: a <c>Content-Type</c> of <c>application/json</c> or any <c>+json</c>
/// type (parameters such as <c>charset</c> allowed), or none at all (lenient towards clients that omit it). Any other
/// type is answered 415: a form, XML or an image is not a request the router understands.
/// </summary>
internal static class JsonContentType
{
    /// <summary>The message of a 415 answer.</summary>
    public const string Refusal = "The request body must be JSON: send 'Content-Type: application/json'.";

    /// <summary>Tells whether a request's <c>Content-Type</c> allows reading its body as JSON; allocates nothing.</summary>
    public static bool IsAcceptable(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        var mediaType = contentType.AsSpan();
        var parameters = mediaType.IndexOf(';');
        if (parameters >= 0)
        {
            mediaType = mediaType[..parameters];
        }

        mediaType = mediaType.Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
