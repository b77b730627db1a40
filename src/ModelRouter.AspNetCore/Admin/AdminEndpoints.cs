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
    TimeProvider time,
    ILogger<AdminEndpoints> logger)
{
    /// <summary>The longest grace period a rotation may give the key it replaces: 90 days.</summary>
    private const double MaxGracePeriodSeconds = 90 * 24 * 3600;

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

        // An app's key is generated here and shown in this answer only: the store keeps its hash.
        string? issuedKey = null;
        if (item is AppConfig app)
        {
            RefuseOwnKey(app);
            issuedKey = AppKeys.Generate();
            item = (T)(object)(app with { ApiKey = issuedKey });
        }

        var contents = await WritableStore().ApplyAsync(resource.Create(item), validator, context.RequestAborted).ConfigureAwait(false);
        var stored = Find(resource, contents, resource.KeyOf(item))!;
        SetETag(context, stored.Revision);
        AddWarnings(context, stored.Item as RouterConfig);
        context.Response.Headers.Location = $"{_prefix}/{resource.Segment}/{Uri.EscapeDataString(resource.KeyOf(stored.Item))}";
        var shown = resource.Mask(stored.Item);
        if (issuedKey is not null)
        {
            shown = (T)(object)((AppConfig)(object)shown with { ApiKey = issuedKey });
            context.Response.Headers.CacheControl = "no-store";
        }

        await WriteJsonAsync(context, StatusCodes.Status201Created, shown, resource.TypeInfo).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /apps/{name}/rotate</c>: gives the app a new generated key, shown in this answer only. With
    /// <c>gracePeriodSeconds</c>, the key it replaces stays valid that long; without, it stops at once.
    /// </summary>
    public async Task RotateAppKeyAsync(HttpContext context)
    {
        var grace = 0d;
        if (HasBody(context.Request))
        {
            var body = await ReadBodyAsync(context, AdminViewJsonContext.Default.AppKeyRotation, "rotation", options.Current.MaxRequestBodyBytes).ConfigureAwait(false);
            grace = Deserialize(body, b => System.Text.Json.JsonSerializer.Deserialize(b.Span, AdminViewJsonContext.Default.AppKeyRotation), "rotation")?.GracePeriodSeconds ?? 0;
            if (!double.IsFinite(grace) || grace < 0 || grace > MaxGracePeriodSeconds)
            {
                throw new RouterStoreException(RouterStoreError.Invalid, "The rotation is invalid.",
                    [new ModelRouterConfigError("gracePeriodSeconds", $"gracePeriodSeconds must be from 0 to {MaxGracePeriodSeconds} (90 days)")]);
            }
        }

        var key = AppKeys.Generate();
        var stored = await ChangeAppAsync(context, app =>
        {
            var current = app.ApiKeyHash ?? (string.IsNullOrEmpty(app.ApiKey) ? null : AppKeys.Hash(app.ApiKey));
            var keepOld = grace > 0 && current is not null;
            return app with
            {
                ApiKey = key,
                ApiKeyHash = null,
                PreviousApiKeyHash = keepOld ? current : null,
                PreviousApiKeyExpiresAt = keepOld ? time.GetUtcNow().AddSeconds(grace) : null,
            };
        }).ConfigureAwait(false);
        SetETag(context, stored.Revision);
        context.Response.Headers.CacheControl = "no-store";
        var issued = new AppKeyIssued { Name = stored.Item.Name, ApiKey = key, PreviousKeyExpiresAt = stored.Item.PreviousApiKeyExpiresAt };
        await WriteJsonAsync(context, StatusCodes.Status200OK, issued, AdminViewJsonContext.Relaxed.AppKeyIssued).ConfigureAwait(false);
    }

    /// <summary><c>POST /apps/{name}/revoke</c>: removes every key of the app, the one a rotation replaced included.</summary>
    public async Task RevokeAppKeysAsync(HttpContext context)
    {
        var stored = await ChangeAppAsync(context, app => app with { ApiKey = "", ApiKeyHash = null, PreviousApiKeyHash = null, PreviousApiKeyExpiresAt = null })
            .ConfigureAwait(false);
        SetETag(context, stored.Revision);
        await WriteJsonAsync(context, StatusCodes.Status200OK, Apps.Mask(stored.Item), ConfigJsonContext.Relaxed.AppConfig).ConfigureAwait(false);
    }

    /// <summary>Replaces the app of the route with <paramref name="change"/> of it, its keys as the change leaves them; retried when a concurrent write got there first (unless <c>If-Match</c> pins the revision).</summary>
    private async Task<StoredItem<AppConfig>> ChangeAppAsync(HttpContext context, Func<AppConfig, AppConfig> change)
    {
        var writable = WritableStore();
        var name = RouteKey(context);
        var ifMatch = IfMatch(context);
        for (var attempt = 1; ; attempt++)
        {
            var current = (await writable.ReadAsync(context.RequestAborted).ConfigureAwait(false)).FindApp(name)
                ?? throw new RouterStoreException(RouterStoreError.NotFound, $"app '{name}' does not exist.");
            try
            {
                var replace = RouterStoreChange.ReplaceApp(current.Item.Name, change(current.Item), ifMatch ?? current.Revision).WithoutKeptKeys();
                var contents = await writable.ApplyAsync(replace, validator, context.RequestAborted).ConfigureAwait(false);
                return contents.FindApp(name)!;
            }
            catch (RouterStoreException ex) when (ex.Error == RouterStoreError.RevisionMismatch && ifMatch is null && attempt < ActivateAttempts)
            {
                // Read again and retry.
            }
        }
    }

    /// <summary>Refuses a key chosen by the caller: keys are generated (create, rotate), so that every key has full entropy.</summary>
    private static void RefuseOwnKey(AppConfig app)
    {
        if (!string.IsNullOrEmpty(app.ApiKey))
        {
            throw new RouterStoreException(RouterStoreError.Invalid, "The body is not a valid app.",
                [new ModelRouterConfigError("apiKey", "apiKey is generated by the router: leave it out (or send the mask '********'); create the app, or rotate its key, to get one")]);
        }
    }

    private static bool HasBody(HttpRequest request) => request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    public async Task ReplaceAsync<T>(HttpContext context, AdminResource<T> resource)
        where T : class
    {
        var key = RouteKey(context);
        var item = resource.Unmask(await ReadItemAsync(context, resource, options.Current.MaxRequestBodyBytes).ConfigureAwait(false));
        if (item is AppConfig app)
        {
            RefuseOwnKey(app);
        }

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
