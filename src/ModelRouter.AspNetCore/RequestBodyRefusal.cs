using Microsoft.AspNetCore.Http;

namespace ModelRouter.AspNetCore;

/// <summary>
/// A request body the server refused while an endpoint read it (<see cref="BadHttpRequestException"/>: malformed
/// framing, a body that ends early, trickles in below the minimum rate, or exceeds the server's limit). It is the
/// client's fault: the answer carries the server's own status and a fixed message that quotes nothing the client sent.
/// </summary>
internal static class RequestBodyRefusal
{
    /// <summary>The status to answer with: the server's, when it is a client error (400, 408, 413), else 400.</summary>
    public static int StatusOf(BadHttpRequestException error)
        => error.StatusCode is >= 400 and < 500 ? error.StatusCode : StatusCodes.Status400BadRequest;

    /// <summary>A message for <paramref name="status"/> that says what to fix.</summary>
    public static string MessageFor(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly; send it without pauses.",
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than the server accepts.",
        _ => "The request body could not be read: its HTTP framing is invalid (Content-Length, Transfer-Encoding or a chunk) or it ended early.",
    };
}
