using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelRouter.AspNetCore.AdminUi;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ModelRouter admin UI.</summary>
public static class ModelRouterAdminUiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin UI under <paramref name="prefix"/>: a small web app (HTML, CSS and JavaScript modules embedded in this
    /// assembly; nothing to build, nothing from another origin) that manages LLMs, routers and apps through the admin API,
    /// explains routing, sends test prompts and shows the live state. Every answer carries a strict
    /// <c>Content-Security-Policy</c>, <c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: no-referrer</c>.
    /// </summary>
    /// <remarks>
    /// The UI's files are public; what it shows comes from the admin API, which checks the admin key (typed at sign-in and
    /// kept in the tab's <c>sessionStorage</c>) or the host's own authentication. Map the admin API with
    /// <c>MapModelRouterAdmin</c> as well.
    /// </remarks>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The path prefix, for example <c>/admin/ui</c>.</param>
    /// <param name="configure">Adjusts the paths the UI calls.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization()</c>.</returns>
    public static IEndpointConventionBuilder MapModelRouterAdminUi(this IEndpointRouteBuilder endpoints, string prefix = "/admin/ui", Action<ModelRouterAdminUiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new ModelRouterAdminUiOptions();
        configure?.Invoke(options);
        var handler = new AdminUiEndpoint(new AdminUiAssets(options.AdminApiPath.TrimEnd('/'), options.RouterPath.TrimEnd('/')));
        var root = prefix.TrimEnd('/');
        var group = endpoints.MapGroup(root);
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        // One catch-all: it also matches the prefix itself, with or without its slash.
        group.MapMethods("/{**path}", methods, handler.ServeAsync).WithDisplayName("ModelRouter admin UI");
        return new AdminUiConventionBuilder(group);
    }

    /// <summary>Wraps the route group so hosts can add conventions while the group itself stays ours to change.</summary>
    private sealed class AdminUiConventionBuilder(IEndpointConventionBuilder inner) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => inner.Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => inner.Finally(finallyConvention);
    }
}
