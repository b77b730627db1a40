using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ModelRouter.AspNetCore.AdminUi;

/// <summary>
/// Serves the admin UI's embedded files with a strict Content-Security-Policy (scripts, styles and requests to this origin
/// only; no inline code, no framing) and the other security headers on every answer, found or not.
/// </summary>
internal sealed class AdminUiEndpoint(AdminUiAssets assets)
{
    /// <summary>The policy of every UI answer: nothing inline, nothing from another origin, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public Task ServeAsync(HttpContext context)
    {
        var path = context.Request.RouteValues["path"] as string;
        if (!string.IsNullOrEmpty(path))
        {
            return ServeAsync(context, path);
        }

        if (!context.Request.Path.Value!.EndsWith('/'))
        {
            // The prefix without its slash: redirect, so that the UI's relative URLs resolve under the prefix.
            AddSecurityHeaders(context.Response);
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = context.Request.PathBase + context.Request.Path + "/" + context.Request.QueryString;
            return Task.CompletedTask;
        }

        return ServeAsync(context, "index.html");
    }

    private Task ServeAsync(HttpContext context, string path)
    {
        var response = context.Response;
        AddSecurityHeaders(response);
        if (!assets.TryGet(path, out var asset))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync("Not found.", context.RequestAborted);
        }

        // Revalidate every time: the files change with the package version, and an unchanged one costs a 304.
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
}
