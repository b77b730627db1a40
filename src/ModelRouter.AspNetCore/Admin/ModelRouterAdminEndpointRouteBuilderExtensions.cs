using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelRouter.Routing;
using ModelRouter.AspNetCore.Admin;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ModelRouter admin API.</summary>
public static class ModelRouterAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin API under <paramref name="prefix"/>: <c>GET|POST /llms</c>, <c>GET|PUT|DELETE /llms/{id}</c>,
    /// <c>GET|POST /routers</c>, <c>GET|PUT|DELETE /routers/{slug}</c>, <c>POST /routers/{slug}/activate</c> and
    /// <c>/deactivate</c>, <c>GET|POST /apps</c>, <c>GET|PUT|DELETE /apps/{name}</c>, <c>POST /apps/{name}/rotate</c> and <c>/revoke</c>, <c>GET /export</c>, <c>POST /import</c>,
    /// and two live views of the configuration in use: <c>GET /routers/{slug}/explain?model=</c> (how a request for that
    /// model would be routed now, and why vendors are skipped) and <c>GET /state</c> (LLM health, router traffic over the last minutes).
    /// </summary>
    /// <remarks>
    /// JSON is the configuration shape in camelCase. Every request needs <c>Authorization: Bearer {adminApiKey}</c>
    /// (<c>ModelRouter:adminApiKey</c>) unless <paramref name="configure"/> turns <see cref="ModelRouterAdminOptions.RequireAdminApiKey"/>
    /// off. Keys of LLMs and apps are write-only. With a read-only store (kind <c>configuration</c>) writes answer 405.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The path prefix, for example <c>/admin</c>.</param>
    /// <param name="configure">Adjusts the admin settings.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization()</c> or <c>RequireRateLimiting()</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddModelRouter</c> was not called, or no admin key is configured while one is required.</exception>
    public static IEndpointConventionBuilder MapModelRouterAdmin(this IEndpointRouteBuilder endpoints, string prefix = "/admin", Action<ModelRouterAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        if (services.GetService<ModelRouterMarker>() is null)
        {
            throw new InvalidOperationException(
                "ModelRouter services are not registered. Call builder.Services.AddModelRouter(...) before app.MapModelRouterAdmin().");
        }

        var adminOptions = new ModelRouterAdminOptions();
        configure?.Invoke(adminOptions);
        var options = services.GetRequiredService<ModelRouterSettings>();
        if (adminOptions.RequireAdminApiKey && string.IsNullOrEmpty(options.Current.AdminApiKey))
        {
            throw new InvalidOperationException(
                "The ModelRouter admin API needs an admin key: set ModelRouter:adminApiKey (from an environment variable or a secret store), " +
                "or secure the endpoints yourself and pass o => o.RequireAdminApiKey = false.");
        }

        var handler = new AdminEndpoints(
            services.GetRequiredService<IRouterStore>(),
            services.GetRequiredService<IModelRouterConfigValidator>(),
            options,
            adminOptions,
            prefix,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<AdminEndpoints>>());
        var live = new AdminLiveEndpoints(
            services.GetRequiredService<IModelRouter>(),
            services.GetRequiredService<RoutingSnapshotProvider>(),
            services.GetRequiredService<TimeProvider>());
        var group = endpoints.MapGroup(prefix.TrimEnd('/'));
        MapResource(group, handler, AdminResources.Llms);
        MapResource(group, handler, AdminResources.Routers);
        MapResource(group, handler, AdminResources.Apps);
        group.MapPost("/routers/{key}/activate", handler.Secure(c => handler.SetActiveAsync(c, active: true))).WithDisplayName("ModelRouter admin: activate router");
        group.MapPost("/routers/{key}/deactivate", handler.Secure(c => handler.SetActiveAsync(c, active: false))).WithDisplayName("ModelRouter admin: deactivate router");
        group.MapPost("/apps/{key}/rotate", handler.Secure(handler.RotateAppKeyAsync)).WithDisplayName("ModelRouter admin: rotate app key");
        group.MapPost("/apps/{key}/revoke", handler.Secure(handler.RevokeAppKeysAsync)).WithDisplayName("ModelRouter admin: revoke app keys");
        group.MapGet("/routers/{key}/explain", handler.Secure(live.ExplainAsync)).WithDisplayName("ModelRouter admin: explain routing");
        group.MapGet("/state", handler.Secure(live.StateAsync)).WithDisplayName("ModelRouter admin: live state");
        group.MapGet("/export", handler.Secure(handler.ExportAsync)).WithDisplayName("ModelRouter admin: export");
        group.MapPost("/import", handler.Secure(handler.ImportAsync)).WithDisplayName("ModelRouter admin: import");
        return new AdminConventionBuilder(group);
    }

    private static void MapResource<T>(RouteGroupBuilder group, AdminEndpoints handler, AdminResource<T> resource)
        where T : class
    {
        var list = "/" + resource.Segment;
        var item = list + "/{key}";
        group.MapGet(list, handler.Secure(c => handler.ListAsync(c, resource))).WithDisplayName($"ModelRouter admin: list {resource.Segment}");
        group.MapPost(list, handler.Secure(c => handler.CreateAsync(c, resource))).WithDisplayName($"ModelRouter admin: create {resource.Noun}");
        group.MapGet(item, handler.Secure(c => handler.GetAsync(c, resource))).WithDisplayName($"ModelRouter admin: get {resource.Noun}");
        group.MapPut(item, handler.Secure(c => handler.ReplaceAsync(c, resource))).WithDisplayName($"ModelRouter admin: replace {resource.Noun}");
        group.MapDelete(item, handler.Secure(c => handler.DeleteAsync(c, resource))).WithDisplayName($"ModelRouter admin: delete {resource.Noun}");
    }

    /// <summary>Wraps the route group so hosts can add conventions while the group itself stays ours to change.</summary>
    private sealed class AdminConventionBuilder(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => inner.Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(finallyConvention);
    }
}
