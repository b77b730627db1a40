using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>Writes admin responses: JSON bodies, ETags and RFC 9457 problem documents.</summary>
internal static class AdminResponses
{
    private const string ProblemContentType = "application/problem+json";

    public static void SetETag(HttpContext context, string revision) => context.Response.Headers.ETag = $"\"{revision}\"";

    public static async Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteProblemAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<string>? errors = null, IReadOnlyList<string>? referencedBy = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ProblemContentType;
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = "GET";
        }

        var problem = new AdminProblem { Title = title, Status = status, Detail = detail, Errors = errors, ReferencedBy = referencedBy };
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, AdminJsonContext.Relaxed.AdminProblem, context.RequestAborted);
    }
}
