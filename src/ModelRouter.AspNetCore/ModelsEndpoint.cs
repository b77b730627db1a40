using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelRouter.Routing;
using ModelRouter.Storage;

namespace ModelRouter.AspNetCore;

/// <summary>
/// <c>GET {prefix}/{slug}/v1/models</c>: the names a client of the router can ask for, in OpenAI's list shape, under the
/// same app-key rules as chat completions.
/// </summary>
internal sealed partial class ModelsEndpoint(RouterModelCatalog catalog, ModelRouterSettings settings, ILogger<ModelsEndpoint> logger)
{
    /// <summary>What <c>owned_by</c> says of every model: the router serves them, whoever runs them.</summary>
    private const string Owner = "modelrouter";

    /// <summary><c>GET {prefix}/{slug}/v1/models</c>.</summary>
    public Task HandleAsync(HttpContext context) => HandleAsync(context, unified: false);

    /// <summary>The unified endpoint's <c>GET /v1/models</c>: <c>{router}/{name}</c> for every router the caller may call.</summary>
    public Task HandleUnifiedAsync(HttpContext context) => HandleAsync(context, unified: true);

    private async Task HandleAsync(HttpContext context, bool unified)
    {
        var slug = context.Request.RouteValues["slug"] as string ?? "";
        var appName = AppKeyAuthenticationHandler.AppNameOf(context, settings.Current.AppClaimType);
        var appKey = appName is null ? RouterRequestReader.ReadBearer(context.Request) : null;
        try
        {
            var names = unified
                ? await catalog.ListAllAsync(appKey, appName, context.RequestAborted).ConfigureAwait(false)
                : await catalog.ListAsync(slug, appKey, appName, context.RequestAborted).ConfigureAwait(false);
            var list = new OpenAIModelList { Data = [.. names.Select(n => new OpenAIModel { Id = n, OwnedBy = Owner })] };
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, list, OpenAIModelsJsonContext.Relaxed.OpenAIModelList, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ModelRouterException ex) when (!context.Response.HasStarted)
        {
            await RouterErrorWriter.WriteErrorAsync(context, ex.Kind == ModelRouterErrorKind.Unauthorized && appKey is null && appName is null
                ? new ModelRouterException(ModelRouterErrorKind.Unauthorized, "No app key was sent. Send 'Authorization: Bearer <app key>'.")
                : ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (ModelRouterConfigurationException) when (!context.Response.HasStarted)
        {
            await RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.NotConfigured, "The router has no valid configuration yet.")).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            LogUnexpected(logger, slug, ex);
            await RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.Internal, "The router failed unexpectedly.")).ConfigureAwait(false);
        }
    }

    /// <summary>Answers any method but GET and HEAD: 405, <c>Allow: GET</c> and the envelope.</summary>
    public static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.Headers.Allow = HttpMethods.Get;
        return RouterErrorWriter.WriteErrorAsync(context, new ModelRouterException(ModelRouterErrorKind.MethodNotAllowed, $"Method {context.Request.Method} is not allowed here; use GET."));
    }

    [LoggerMessage(EventId = 4005, EventName = "UnexpectedModelsError", Level = LogLevel.Error, Message = "Listing the models of router {RouterSlug} failed unexpectedly.")]
    private static partial void LogUnexpected(ILogger logger, string routerSlug, Exception error);
}

/// <summary>OpenAI's model list: <c>{"object":"list","data":[...]}</c>.</summary>
internal sealed record OpenAIModelList
{
    public string Object { get; init; } = "list";

    public IReadOnlyList<OpenAIModel> Data { get; init; } = [];
}

/// <summary>One model of OpenAI's model list.</summary>
internal sealed record OpenAIModel
{
    public string Id { get; init; } = "";

    public string Object { get; init; } = "model";

    /// <summary>Gets the creation time in Unix seconds; the router does not know it and says 0.</summary>
    public long Created { get; init; }

    public string OwnedBy { get; init; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OpenAIModelList))]
internal sealed partial class OpenAIModelsJsonContext : JsonSerializerContext
{
    /// <summary>Gets a context that writes names as they are (apostrophes, angle brackets): these bodies are API JSON, never HTML.</summary>
    public static OpenAIModelsJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
