using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using ModelRouter.Serialization;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>Writes admin responses: JSON bodies, ETags and RFC 9457 problem documents.</summary>
internal static class AdminResponses
{
    private const string ProblemContentType = "application/problem+json";

    /// <summary>The wait a client is asked for when the store does not answer, in seconds.</summary>
    private const string StoreRetryAfterSeconds = "5";

    /// <summary>The problem type ASP.NET uses for validation problems (RFC 9110, 400 Bad Request).</summary>
    private const string ValidationProblemType = "https://tools.ietf.org/html/rfc9110#section-15.5.1";

    public static void SetETag(HttpContext context, string revision) => context.Response.Headers.ETag = $"\"{revision}\"";

    public static async Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes a refused store change: 404, 409, 412, 405, or 400 with every error keyed by its field.</summary>
    public static Task WriteStoreErrorAsync(HttpContext context, RouterStoreException error)
    {
        var (status, title) = error.Error switch
        {
            RouterStoreError.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            RouterStoreError.AlreadyExists => (StatusCodes.Status409Conflict, "Already exists"),
            RouterStoreError.RevisionMismatch => (StatusCodes.Status412PreconditionFailed, "Precondition failed"),
            RouterStoreError.InUse => (StatusCodes.Status409Conflict, "Still in use"),
            RouterStoreError.ReadOnly => (StatusCodes.Status405MethodNotAllowed, "Read-only store"),
            _ => (StatusCodes.Status400BadRequest, "The configuration is invalid"),
        };
        return WriteProblemAsync(
            context,
            status,
            title,
            error.Message,
            status == StatusCodes.Status400BadRequest ? ErrorsByField(error.FieldErrors, error.ItemPath) : null,
            error.Error == RouterStoreError.InUse ? error.ReferencedBy : null);
    }

    /// <summary>
    /// Writes 503 with <c>Retry-After</c>: the store does not answer. The detail names the store kind only; the driver's
    /// reason (hosts, ports) goes to the log, and the connection string goes nowhere.
    /// </summary>
    public static Task WriteStoreUnavailableAsync(HttpContext context, RouterStoreUnavailableException error)
    {
        context.Response.Headers.RetryAfter = StoreRetryAfterSeconds;
        return WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, "Store unavailable",
            $"The ModelRouter store '{error.Store}' is unavailable; retry later.");
    }

    /// <summary>Writes a malformed request as a validation problem keyed by the parameter at fault.</summary>
    public static Task WriteBadRequestAsync(HttpContext context, AdminBadRequestException error)
        => WriteProblemAsync(context, error.Status, error.Status == StatusCodes.Status400BadRequest ? "The request is invalid" : ReasonPhrases.GetReasonPhrase(error.Status), error.Message,
            ErrorsByField([new ModelRouterConfigError(error.Field, error.Message)], null));

    /// <summary>
    /// Groups errors by field path, keeping every message in order. Paths inside the item a request sent are made
    /// relative to it (<c>routers[3].pools[0].name</c> becomes <c>pools[0].name</c> for <c>POST /routers</c>).
    /// </summary>
    public static Dictionary<string, string[]> ErrorsByField(IEnumerable<ModelRouterConfigError> errors, string? itemPath)
    {
        var grouped = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var error in errors)
        {
            var path = error.Path;
            if (itemPath is not null)
            {
                if (path == itemPath)
                {
                    path = "";
                }
                else if (path.StartsWith(itemPath + ".", StringComparison.Ordinal))
                {
                    path = path[(itemPath.Length + 1)..];
                }
            }

            if (!grouped.TryGetValue(path, out var messages))
            {
                grouped[path] = messages = [];
            }

            messages.Add(error.Message);
        }

        return grouped.ToDictionary(g => g.Key, g => g.Value.ToArray(), StringComparer.Ordinal);
    }

    public static Task WriteProblemAsync(HttpContext context, int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null, IReadOnlyList<string>? referencedBy = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ProblemContentType;
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = "GET";
        }

        var problem = new AdminProblem
        {
            Type = errors is null ? "about:blank" : ValidationProblemType,
            Title = title,
            Status = status,
            Detail = detail,
            Errors = errors,
            ReferencedBy = referencedBy,
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, ConfigJsonContext.Relaxed.AdminProblem, context.RequestAborted);
    }
}
