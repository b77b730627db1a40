using System.Globalization;
using ModelRouter.Configuration;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>
/// The rules every writable store shares: existence, revisions, referential integrity, write-only keys and
/// whole-configuration validation. A store calls it while holding its write lock, then persists the result.
/// </summary>
internal static class RouterStoreChangeApplier
{
    public static RouterStoreWrite Apply(RouterStoreContents current, RouterStoreChange change, IModelRouterConfigValidator validator)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(validator);
        var revision = ParseRevision(current.Revision) + 1;
        var tag = revision.ToString(CultureInfo.InvariantCulture);
        var llms = current.Llms.ToList();
        var routers = current.Routers.ToList();
        var apps = current.Apps.ToList();
        var upserts = new List<WrittenItem>();
        var deletes = new List<(RouterStoreItemKind, string)>();
        var position = revision * 1_000_000;

        // Stored keys and header values that a change would carry to another origin: it must send them again.
        var kept = new List<ModelRouterConfigError>();
        if (change.Kind == RouterStoreChangeKind.Import)
        {
            var config = (ModelRouterConfig)change.Item!;
            llms = [.. config.Llms.Select((l, i) => new StoredItem<LlmConfig>(KeepLlmKey(l, current.FindLlm(l.Id)?.Item, change.KeepStoredKeys, i, kept), tag))];
            routers = [.. config.Routers.Select(r => new StoredItem<RouterConfig>(r, tag))];
            apps = [.. config.Apps.Select(a => new StoredItem<AppConfig>(KeepAppKey(a, current.FindApp(a.Name)?.Item, change.KeepStoredKeys), tag))];
            upserts.AddRange(llms.Select((l, i) => new WrittenItem(RouterStoreItemKind.Llm, l.Item.Id, l.Item, position + i)));
            upserts.AddRange(routers.Select((r, i) => new WrittenItem(RouterStoreItemKind.Router, r.Item.Slug, r.Item, position + i)));
            upserts.AddRange(apps.Select((a, i) => new WrittenItem(RouterStoreItemKind.App, a.Item.Name, a.Item, position + i)));
        }
        else
        {
            switch (change.ItemKind)
            {
                case RouterStoreItemKind.Llm:
                    ApplyOne(llms, change, "LLM", l => l.Id, (item, key) => item with { Id = key },
                        (item, old, index) => KeepLlmKey(item, old, change.KeepStoredKeys, index, kept), tag, position, upserts, deletes,
                        key => routers.Where(r => r.Item.Pools.Any(p => p.Vendors.Any(v => string.Equals(v.Llm, key, StringComparison.OrdinalIgnoreCase))))
                            .Select(r => r.Item.Slug).ToArray(),
                        "router");
                    break;
                case RouterStoreItemKind.Router:
                    ApplyOne(routers, change, "router", r => r.Slug, (item, key) => item with { Slug = key },
                        (item, _, _) => item, tag, position, upserts, deletes,
                        key => apps.Where(a => a.Item.Routers.Any(s => string.Equals(s, key, StringComparison.OrdinalIgnoreCase)))
                            .Select(a => a.Item.Name).ToArray(),
                        "app");
                    break;
                default:
                    ApplyOne(apps, change, "app", a => a.Name, (item, key) => item with { Name = key },
                        (item, old, _) => KeepAppKey(item, old, change.KeepStoredKeys), tag, position, upserts, deletes,
                        _ => [], "");
                    break;
            }
        }

        var contents = new RouterStoreContents { Revision = tag, Llms = llms, Routers = routers, Apps = apps, ValidatedBy = validator };

        // Contents this validator accepted (the store's last write, read back as the same instances) need only what the
        // change touches checked: the changed item in full, uniqueness and references across every item.
        var errors = validator is ModelRouterConfigValidator builtIn
            ? builtIn.ValidateFields(contents.ToConfig(), ReferenceEquals(current.ValidatedBy, validator) && change.Kind != RouterStoreChangeKind.Import ? current.ToConfig() : null)
            : validator.ValidateFields(contents.ToConfig());
        if (kept.Count > 0)
        {
            errors = [.. kept, .. errors];
        }

        if (errors.Count > 0)
        {
            throw new RouterStoreException(RouterStoreError.Invalid, "The change would make the configuration invalid.", errors)
            {
                ItemPath = change.Kind is RouterStoreChangeKind.Create or RouterStoreChangeKind.Replace ? ItemPath(contents, change) : null,
            };
        }

        HashAppKeys(apps, upserts);
        return new RouterStoreWrite(contents, revision, upserts, deletes, change.Kind == RouterStoreChangeKind.Import);
    }

    /// <summary>
    /// Replaces every plaintext app key of a validated change by its hash, in the contents (the same list) and in what
    /// the store writes, so that no store keeps a key: only its hash.
    /// </summary>
    private static void HashAppKeys(List<StoredItem<AppConfig>> apps, List<WrittenItem> upserts)
    {
        for (var i = 0; i < apps.Count; i++)
        {
            if (!string.IsNullOrEmpty(apps[i].Item.ApiKey))
            {
                apps[i] = apps[i] with { Item = AppKeys.HashPlaintext(apps[i].Item) };
            }
        }

        for (var i = 0; i < upserts.Count; i++)
        {
            if (upserts[i].Item is AppConfig { ApiKey.Length: > 0 } app)
            {
                upserts[i] = upserts[i] with { Item = AppKeys.HashPlaintext(app) };
            }
        }
    }

    /// <summary>Where the changed item sits in the validated configuration, for example <c>routers[3]</c>.</summary>
    private static string? ItemPath(RouterStoreContents contents, RouterStoreChange change)
    {
        var (list, index) = change.ItemKind switch
        {
            RouterStoreItemKind.Llm => ("llms", IndexOf(contents.Llms, l => l.Id, change.Key)),
            RouterStoreItemKind.Router => ("routers", IndexOf(contents.Routers, r => r.Slug, change.Key)),
            _ => ("apps", IndexOf(contents.Apps, a => a.Name, change.Key)),
        };
        return index < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{list}[{index}]");
    }

    private static int IndexOf<T>(IReadOnlyList<StoredItem<T>> items, Func<T, string> keyOf, string key)
        where T : class
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (string.Equals(keyOf(items[i].Item), key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads a store revision written by this class; an empty or foreign revision counts as 0.</summary>
    public static long ParseRevision(string revision)
        => long.TryParse(revision, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static void ApplyOne<T>(
        List<StoredItem<T>> items,
        RouterStoreChange change,
        string noun,
        Func<T, string> keyOf,
        Func<T, string, T> withKey,
        Func<T, T?, int, T> keepKeys,
        string tag,
        long position,
        List<WrittenItem> upserts,
        List<(RouterStoreItemKind, string)> deletes,
        Func<string, string[]> referencedBy,
        string referrerNoun)
        where T : class
    {
        var index = items.FindIndex(i => string.Equals(keyOf(i.Item), change.Key, StringComparison.OrdinalIgnoreCase));
        switch (change.Kind)
        {
            case RouterStoreChangeKind.Create:
                if (index >= 0)
                {
                    throw new RouterStoreException(RouterStoreError.AlreadyExists, $"{noun} '{change.Key}' already exists; replace it with PUT or pick another key.");
                }

                var created = (T)change.Item!;
                items.Add(new StoredItem<T>(created, tag));
                upserts.Add(new WrittenItem(change.ItemKind, keyOf(created), created, position));
                return;

            case RouterStoreChangeKind.Replace:
                var existing = CheckExisting(items, index, change, noun);
                var replacement = (T)change.Item!;
                var newKey = keyOf(replacement);
                if (string.IsNullOrEmpty(newKey))
                {
                    replacement = withKey(replacement, keyOf(existing.Item));
                }
                else if (!string.Equals(newKey, change.Key, StringComparison.OrdinalIgnoreCase))
                {
                    throw new RouterStoreException(RouterStoreError.Invalid,
                        $"{noun} '{change.Key}': the key in the body ('{newKey}') differs from the one in the path; keys cannot be renamed, create a new item instead.");
                }

                replacement = keepKeys(replacement, existing.Item, index);
                items[index] = new StoredItem<T>(replacement, tag);
                upserts.Add(new WrittenItem(change.ItemKind, keyOf(existing.Item), replacement, -1));
                return;

            default:
                var removed = CheckExisting(items, index, change, noun);
                var users = referencedBy(keyOf(removed.Item));
                if (users.Length > 0)
                {
                    throw new RouterStoreException(
                        RouterStoreError.InUse,
                        $"{noun} '{keyOf(removed.Item)}' is still used by {referrerNoun}s {string.Join(", ", users.Select(u => $"'{u}'"))}; remove those references first.",
                        [.. users.Select(u => $"{referrerNoun} '{u}' uses {noun} '{keyOf(removed.Item)}'")])
                    { ReferencedBy = users };
                }

                items.RemoveAt(index);
                deletes.Add((change.ItemKind, keyOf(removed.Item)));
                return;
        }
    }

    private static StoredItem<T> CheckExisting<T>(List<StoredItem<T>> items, int index, RouterStoreChange change, string noun)
        where T : class
    {
        if (index < 0)
        {
            throw new RouterStoreException(RouterStoreError.NotFound, $"{noun} '{change.Key}' does not exist.");
        }

        var existing = items[index];
        if (change.ExpectedRevision is { } expected && expected != "*" && !string.Equals(expected, existing.Revision, StringComparison.Ordinal))
        {
            throw new RouterStoreException(RouterStoreError.RevisionMismatch,
                $"{noun} '{change.Key}' changed since revision {expected} (now {existing.Revision}); read it again and retry.");
        }

        return existing;
    }

    /// <summary>
    /// Fills an empty key and empty header values of <paramref name="item"/> from the stored LLM (headers matched by
    /// name), unless its baseUrl moves to another scheme, host or port: a stored secret only goes where it was set, so
    /// such a change must send it again, and each one it would carry is added to <paramref name="kept"/>.
    /// </summary>
    private static LlmConfig KeepLlmKey(LlmConfig item, LlmConfig? old, bool keep, int index, List<ModelRouterConfigError> kept)
    {
        if (!keep || old is null)
        {
            return item;
        }

        var moves = MovesOrigin(old.BaseUrl, item.BaseUrl);
        var path = string.Create(CultureInfo.InvariantCulture, $"llms[{index}]");
        var label = string.IsNullOrEmpty(item.Id) ? path : $"llm '{item.Id}'";
        if (string.IsNullOrEmpty(item.ApiKey) && !string.IsNullOrEmpty(old.ApiKey))
        {
            if (moves)
            {
                kept.Add(new ModelRouterConfigError($"{path}.apiKey",
                    $"{label}: baseUrl moves to another scheme, host or port, so the stored apiKey is not carried there; send apiKey again, or keep the origin"));
            }
            else
            {
                item = item with { ApiKey = old.ApiKey };
            }
        }

        // Header values can carry credentials (Authorization, an organization id), so reads mask them like keys:
        // an empty value means "keep the one stored under this header name".
        if (item.Headers.Any(h => string.IsNullOrEmpty(h.Value)))
        {
            var headers = new HeaderConfig[item.Headers.Count];
            for (var h = 0; h < headers.Length; h++)
            {
                var header = item.Headers[h];
                var stored = string.IsNullOrEmpty(header.Value)
                    ? old.Headers.FirstOrDefault(o => string.Equals(o.Name, header.Name, StringComparison.OrdinalIgnoreCase))?.Value
                    : null;
                if (string.IsNullOrEmpty(stored))
                {
                    headers[h] = header;
                }
                else if (moves)
                {
                    headers[h] = header;
                    kept.Add(new ModelRouterConfigError(string.Create(CultureInfo.InvariantCulture, $"{path}.headers[{h}].value"),
                        $"{label}: baseUrl moves to another scheme, host or port, so the stored value of header '{header.Name}' is not carried there; send its value again, or keep the origin"));
                }
                else
                {
                    headers[h] = header with { Value = stored };
                }
            }

            item = item with { Headers = headers };
        }

        return item;
    }

    /// <summary>Tells whether <paramref name="newUrl"/> has another scheme, host or port than <paramref name="oldUrl"/> (a default port written out is the same as none).</summary>
    /// <remarks>A new URL that is not absolute moves nowhere here: the validator refuses it and names baseUrl.</remarks>
    private static bool MovesOrigin(string oldUrl, string newUrl)
        => Uri.TryCreate(newUrl, UriKind.Absolute, out var to)
            && (!Uri.TryCreate(oldUrl, UriKind.Absolute, out var from)
                || Uri.Compare(from, to, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0);

    /// <summary>Keeps the stored key hashes (and the grace period of a rotation) of an app written without a key.</summary>
    private static AppConfig KeepAppKey(AppConfig item, AppConfig? old, bool keep)
        => keep && !AppKeys.HasKey(item) && old is not null
            ? item with { ApiKey = old.ApiKey, ApiKeyHash = old.ApiKeyHash, PreviousApiKeyHash = old.PreviousApiKeyHash, PreviousApiKeyExpiresAt = old.PreviousApiKeyExpiresAt }
            : item;
}
