using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelRouter.Routing;
using ModelRouter.Configuration;
using ModelRouter.Serialization;
using ModelRouter.Storage;
using ModelRouter.Validation;
using static ModelRouter.AspNetCore.Admin.AdminRequests;
using static ModelRouter.AspNetCore.Admin.AdminResources;
using static ModelRouter.AspNetCore.Admin.AdminResponses;

namespace ModelRouter.AspNetCore.Admin;

/// <summary>The admin API handlers: CRUD of LLMs, routers and apps, activation, import and export.</summary>
internal sealed partial class AdminEndpoints(
    IRouterStore store,
    IModelRouterConfigValidator validator,
    ModelRouterSettings options,
    ModelRouterAdminOptions adminOptions,
    string prefix,
    ILogger<AdminEndpoints> logger)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;
    private const int ActivateAttempts = 5;

    /// <summary>The header that carries, one each, the load-time warnings of a router or configuration an admin write stored.</summary>
    private const string WarningHeader = "x-model-router-warning";

    private readonly string _prefix = prefix.TrimEnd('/');

    /// <summary>Wraps a handler with the admin key check and the translation of store errors to problem documents.</summary>
    public RequestDelegate Secure(Func<HttpContext, Task> handler) => async context =>
    {
        if (adminOptions.RequireAdminApiKey && !HasAdminKey(context.Request))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
                "The admin API needs 'Authorization: Bearer <adminApiKey>'.").ConfigureAwait(false);
            return;
        }

        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (RouterStoreException ex) when (!context.Response.HasStarted)
        {
            await WriteStoreErrorAsync(context, ex).ConfigureAwait(false);
        }
        catch (AdminBadRequestException ex) when (!context.Response.HasStarted)
        {
            await WriteBadRequestAsync(context, ex).ConfigureAwait(false);
        }
        catch (RouterStoreUnavailableException ex) when (!context.Response.HasStarted)
        {
            LogStoreUnavailable(logger, context.Request.Method, ex.Store, ex.Reason);
            await WriteStoreUnavailableAsync(context, ex).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // The server refused the body's framing, pace or size while it was read: the client's fault, not ours.
            var status = RequestBodyRefusal.StatusOf(ex);
            LogAdminBodyRefused(logger, context.Request.Method, status);
            await WriteProblemAsync(context, status, ReasonPhrases.GetReasonPhrase(status), RequestBodyRefusal.MessageFor(status)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            LogAdminFailed(logger, context.Request.Method, ex);
            await WriteProblemAsync(context, StatusCodes.Status500InternalServerError, "Internal error", "The admin request failed unexpectedly.").ConfigureAwait(false);
        }
    };

    public async Task ListAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        var offset = ReadInt(context.Request.Query["offset"], 0, 0, int.MaxValue, "offset");
        var limit = ReadInt(context.Request.Query["limit"], DefaultPageSize, 1, MaxPageSize, "limit");
        var items = resource.ItemsOf(await ReadContentsAsync(context.RequestAborted).ConfigureAwait(false));
        var page = new AdminPage<T>
        {
            Items = [.. items.Skip(offset).Take(limit).Select(i => resource.Mask(i.Item))],
            Offset = offset,
            Limit = limit,
            Total = items.Count,
        };
        await WriteJsonAsync(context, StatusCodes.Status200OK, page, resource.PageInfo).ConfigureAwait(false);
    }

    public async Task GetAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        var key = RouteKey(context);
        var contents = await ReadContentsAsync(context.RequestAborted).ConfigureAwait(false);
        var item = Find(resource, contents, key) ?? throw new RouterStoreException(RouterStoreError.NotFound, $"{resource.Noun} '{key}' does not exist.");
        SetETag(context, item.Revision);
        await WriteJsonAsync(context, StatusCodes.Status200OK, resource.Mask(item.Item), resource.TypeInfo).ConfigureAwait(false);
    }

    public async Task CreateAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        var item = resource.Unmask(await ReadItemAsync(context, resource, options.Current.MaxRequestBodyBytes).ConfigureAwait(false));
        var contents = await WritableStore().ApplyAsync(resource.Create(item), validator, context.RequestAborted).ConfigureAwait(false);
        var stored = Find(resource, contents, resource.KeyOf(item))!;
        SetETag(context, stored.Revision);
        AddWarnings(context, stored.Item as RouterConfig);
        context.Response.Headers.Location = $"{_prefix}/{resource.Segment}/{Uri.EscapeDataString(resource.KeyOf(stored.Item))}";
        await WriteJsonAsync(context, StatusCodes.Status201Created, resource.Mask(stored.Item), resource.TypeInfo).ConfigureAwait(false);
    }

    public async Task ReplaceAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        var key = RouteKey(context);
        var item = resource.Unmask(await ReadItemAsync(context, resource, options.Current.MaxRequestBodyBytes).ConfigureAwait(false));
        var contents = await WritableStore().ApplyAsync(resource.Replace(key, item, IfMatch(context)), validator, context.RequestAborted).ConfigureAwait(false);
        var stored = Find(resource, contents, key)!;
        SetETag(context, stored.Revision);
        AddWarnings(context, stored.Item as RouterConfig);
        await WriteJsonAsync(context, StatusCodes.Status200OK, resource.Mask(stored.Item), resource.TypeInfo).ConfigureAwait(false);
    }

    public async Task DeleteAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        await WritableStore().ApplyAsync(resource.Delete(RouteKey(context), IfMatch(context)), validator, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task SetActiveAsync(HttpContext context, bool active)
    {
        var writable = WritableStore();
        var slug = RouteKey(context);
        var ifMatch = IfMatch(context);
        for (var attempt = 1; ; attempt++)
        {
            var current = (await writable.ReadAsync(context.RequestAborted).ConfigureAwait(false)).FindRouter(slug)
                ?? throw new RouterStoreException(RouterStoreError.NotFound, $"router '{slug}' does not exist.");
            try
            {
                // Without If-Match, a concurrent change between our read and write is retried rather than lost.
                var contents = await writable.ApplyAsync(
                    RouterStoreChange.ReplaceRouter(current.Item.Slug, current.Item with { Active = active }, ifMatch ?? current.Revision),
                    validator,
                    context.RequestAborted).ConfigureAwait(false);
                var stored = contents.FindRouter(slug)!;
                SetETag(context, stored.Revision);
                AddWarnings(context, stored.Item);
                await WriteJsonAsync(context, StatusCodes.Status200OK, stored.Item, ConfigJsonContext.Relaxed.RouterConfig).ConfigureAwait(false);
                return;
            }
            catch (RouterStoreException ex) when (ex.Error == RouterStoreError.RevisionMismatch && ifMatch is null && attempt < ActivateAttempts)
            {
                // Read again and retry.
            }
        }
    }

    public async Task ExportAsync(HttpContext context)
    {
        var contents = await ReadContentsAsync(context.RequestAborted).ConfigureAwait(false);
        SetETag(context, contents.Revision);
        await WriteJsonAsync(context, StatusCodes.Status200OK, MaskAll(contents.ToConfig()), ConfigJsonContext.Relaxed.ModelRouterConfig).ConfigureAwait(false);
    }

    public async Task ImportAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context, ConfigJsonContext.Default.ConfigDocument, "configuration", options.Current.MaxRequestBodyBytes).ConfigureAwait(false);
        var config = Deserialize(body, b => ConfigDocuments.Read(b.Span, ConfigJsonContext.Default.ConfigDocument).ToConfig(), "configuration");
        config = config with
        {
            Llms = [.. config.Llms.Select(Llms.Unmask)],
            Apps = [.. config.Apps.Select(Apps.Unmask)],
        };
        var contents = await WritableStore().ApplyAsync(RouterStoreChange.Import(config), validator, context.RequestAborted).ConfigureAwait(false);
        SetETag(context, contents.Revision);
        AddWarnings(context, config);
        await WriteJsonAsync(context, StatusCodes.Status200OK, MaskAll(contents.ToConfig()), ConfigJsonContext.Relaxed.ModelRouterConfig).ConfigureAwait(false);
    }

    /// <summary>Answers the load-time warnings of a router just stored (a pool that can never match, a pool without traffic).</summary>
    /// <remarks>Only the written router is looked at: its warnings depend on its own pools alone, and a write stays as cheap as the router is small.</remarks>
    private void AddWarnings(HttpContext context, RouterConfig? router)
    {
        if (router is not null)
        {
            AddWarnings(context, new ModelRouterConfig { Routers = [router] });
        }
    }

    /// <summary>Answers the load-time warnings of a configuration just stored, one <see cref="WarningHeader"/> each.</summary>
    private void AddWarnings(HttpContext context, ModelRouterConfig config)
    {
        foreach (var warning in validator.GetWarnings(config))
        {
            context.Response.Headers.Append(WarningHeader, HeaderText(warning.Message));
        }
    }

    /// <summary>A header value of a message: characters outside printable ASCII (in a pool's name, say) are percent-encoded.</summary>
    private static string HeaderText(string message)
    {
        if (!message.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return message;
        }

        var text = new StringBuilder(message.Length + 16);
        foreach (var rune in message.EnumerateRunes())
        {
            if (rune.Value is >= ' ' and <= '~')
            {
                text.Append((char)rune.Value);
            }
            else
            {
                text.Append(Uri.EscapeDataString(rune.ToString()));
            }
        }

        return text.ToString();
    }

    private IWritableRouterStore WritableStore()
        => store as IWritableRouterStore ?? throw new RouterStoreException(
            RouterStoreError.ReadOnly,
            "This gateway reads its routers, LLMs and apps from configuration (ModelRouter:store:kind = 'configuration'), so the admin API is read-only. " +
            "Edit the configuration, or switch ModelRouter:store:kind to 'sqlite' or 'postgres' to manage them here.");

    private async ValueTask<RouterStoreContents> ReadContentsAsync(CancellationToken cancellationToken)
    {
        if (store is IWritableRouterStore writable)
        {
            return await writable.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        var config = await store.GetConfigAsync(cancellationToken).ConfigureAwait(false);
        return new RouterStoreContents
        {
            Revision = config.Revision,
            Llms = [.. config.Llms.Select(l => new StoredItem<LlmConfig>(l, config.Revision))],
            Routers = [.. config.Routers.Select(r => new StoredItem<RouterConfig>(r, config.Revision))],
            Apps = [.. config.Apps.Select(a => new StoredItem<AppConfig>(a, config.Revision))],
        };
    }

    private static StoredItem<T>? Find<T>(AdminResource<T> resource, RouterStoreContents contents, string key)
        where T : class
        => resource.ItemsOf(contents).FirstOrDefault(i => string.Equals(resource.KeyOf(i.Item), key, StringComparison.OrdinalIgnoreCase));

    private bool HasAdminKey(HttpRequest request)
    {
        var expected = options.Current.AdminApiKey;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (string.IsNullOrEmpty(expected) || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Compare digests in constant time, so that neither the content nor the length of the key leaks through timing.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    [LoggerMessage(EventId = 4102, EventName = "AdminStoreUnavailable", Level = LogLevel.Warning,
        Message = "An admin API {Method} request was answered 503: ModelRouter store {Store} is unavailable ({Reason}).")]
    private static partial void LogStoreUnavailable(ILogger logger, string method, string store, string reason);

    [LoggerMessage(EventId = 4101, EventName = "AdminRequestFailed", Level = LogLevel.Error, Message = "An admin API {Method} request failed unexpectedly.")]
    private static partial void LogAdminFailed(ILogger logger, string method, Exception error);

    [LoggerMessage(EventId = 4103, EventName = "AdminRequestBodyRefused", Level = LogLevel.Debug,
        Message = "The server refused the body of an admin API {Method} request while it was read; the client was answered {StatusCode}.")]
    private static partial void LogAdminBodyRefused(ILogger logger, string method, int statusCode);
}
