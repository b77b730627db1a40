using System.Text.RegularExpressions;
using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Selection;
using ModelRouter.Upstream;

namespace ModelRouter.Validation;

/// <summary>The default validator: slugs, names, globs, algorithms, weights, references, URLs and timeouts.</summary>
public sealed partial class ModelRouterConfigValidator : IModelRouterConfigValidator
{
    /// <summary>The longest LLM id, pool name or app name: they travel in URLs, headers, logs and telemetry.</summary>
    internal const int MaxNameLength = 128;

    private readonly HashSet<string> _selectors;
    private readonly HashSet<string> _providers;
    private readonly Func<UpstreamHostPolicy> _hosts;

    /// <summary>Creates a validator that knows the registered selectors and provider adapters, with the default upstream host rules.</summary>
    public ModelRouterConfigValidator(IEnumerable<IVendorSelector> selectors, IEnumerable<IProviderAdapter> adapters)
        : this(selectors, adapters, static () => UpstreamHostPolicy.Default)
    {
    }

    /// <summary>Creates a validator that checks base URLs against the host settings' upstream host rules in force.</summary>
    internal ModelRouterConfigValidator(IEnumerable<IVendorSelector> selectors, IEnumerable<IProviderAdapter> adapters, Func<UpstreamHostPolicy> hosts)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        ArgumentNullException.ThrowIfNull(adapters);
        _selectors = new HashSet<string>(selectors.Select(s => s.Name), StringComparer.Ordinal);
        _providers = new HashSet<string>(adapters.Select(a => a.ProviderKind), StringComparer.OrdinalIgnoreCase);
        _hosts = hosts;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(ModelRouterConfig config) => [.. ValidateFields(config).Select(e => e.Message)];

    /// <inheritdoc/>
    public IReadOnlyList<ModelRouterConfigError> ValidateFields(ModelRouterConfig config) => ValidateFields(config, validBase: null);

    /// <summary>
    /// Validates <paramref name="config"/> knowing that <paramref name="validBase"/> passed this validator: an LLM or
    /// router that is the very instance found in <paramref name="validBase"/> is not checked field by field again, while
    /// what spans items is checked for every one (id, slug and name uniqueness through hash sets, each vendor's LLM,
    /// each app's routers and key). A change of one item then costs a pass of lookups, not a validation of everything,
    /// and gives the errors a whole validation would.
    /// </summary>
    internal IReadOnlyList<string> Validate(ModelRouterConfig config, ModelRouterConfig? validBase)
        => [.. ValidateFields(config, validBase).Select(e => e.Message)];

    /// <inheritdoc cref="Validate(ModelRouterConfig, ModelRouterConfig?)"/>
    internal IReadOnlyList<ModelRouterConfigError> ValidateFields(ModelRouterConfig config, ModelRouterConfig? validBase)
    {
        ArgumentNullException.ThrowIfNull(config);
        var trusted = validBase is null
            ? null
            : new HashSet<object>(validBase.Llms.Concat<object>(validBase.Routers), ReferenceEqualityComparer.Instance);
        var errors = new ErrorList();
        var llmIds = ValidateLlms(config, trusted, errors);
        var slugs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.Routers.Count; i++)
        {
            var router = config.Routers[i];
            if (trusted is not null && trusted.Contains(router) && slugs.Add(router.Slug) && VendorsResolve(router, llmIds))
            {
                continue;
            }

            var path = string.IsNullOrEmpty(router.Slug) ? $"routers[{i}]" : $"router '{router.Slug}'";
            if (!IsValidSlug(router.Slug))
            {
                errors.Add($"routers[{i}].slug", $"{path}: slug must be 1 to 64 characters of a-z, 0-9 and '-' (got '{router.Slug}')");
            }
            else if (!slugs.Add(router.Slug) && (trusted is null || !trusted.Contains(router) || IsDuplicateSlug(config, i)))
            {
                errors.Add($"routers[{i}].slug", $"{path}: slug is used by another router; slugs must be unique");
            }

            if (router.RequestTimeoutSeconds is { } timeout && !(timeout > 0 && timeout <= MaxRequestTimeoutSeconds))
            {
                errors.Add($"routers[{i}].requestTimeoutSeconds", $"{path}: requestTimeoutSeconds must be greater than 0 and at most {MaxRequestTimeoutSeconds} (got {timeout}), or left out for no deadline");
            }

            ValidatePools(router, path, $"routers[{i}]", llmIds, errors);
        }

        ValidateApps(config, slugs, errors);
        return errors;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Two warnings, per router: a pool that can never match because a pool tried before it (higher priority, or the
    /// same priority and earlier in the list) has a pattern that covers its own; and a pool with no vendor that takes
    /// traffic (every vendor inactive or of weight 0, or none at all), which refuses every request it matches with 503.
    /// Coverage is decided exactly for the shapes configurations use: <c>*</c>, the same pattern, <c>prefix*</c> over a
    /// pattern that starts with that prefix, and any pattern over a plain name it matches. Other pairs of globs (say
    /// <c>gpt-?o</c> over <c>gpt-[4]o</c>) and pools covered only by several patterns together are not reported: a
    /// warning is only given when it is certain. A custom pool matcher may match otherwise; the warnings assume the default one.
    /// </remarks>
    public IReadOnlyList<ModelRouterConfigError> GetWarnings(ModelRouterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var warnings = new ErrorList();
        for (var r = 0; r < config.Routers.Count; r++)
        {
            var router = config.Routers[r];
            var path = $"router '{router.Slug}'";
            var tried = new List<(PoolConfig Pool, GlobPattern Pattern)>();
            var order = router.Pools
                .Select((pool, index) => (pool, index))
                .OrderByDescending(p => p.pool.Priority)
                .ThenBy(p => p.index);
            foreach (var (pool, p) in order)
            {
                var field = $"routers[{r}].pools[{p}]";
                if (GlobPattern.TryParse(pool.ModelPattern, out var pattern, out _))
                {
                    var cover = tried.FirstOrDefault(t => t.Pattern.Covers(pattern));
                    if (cover.Pool is not null)
                    {
                        warnings.Add($"{field}.modelPattern",
                            $"{path}: pool '{pool.Name}' can never match: pool '{cover.Pool.Name}' (priority {cover.Pool.Priority}) is tried first and its pattern '{cover.Pattern}' " +
                            $"covers '{pattern}'; give pool '{pool.Name}' a higher priority or narrow the other pattern");
                    }

                    tried.Add((pool, pattern));
                }

                if (!pool.Vendors.Any(v => v.Active && v.Weight > 0))
                {
                    warnings.Add($"{field}.vendors", pool.Vendors.Count == 0
                        ? $"{path}: pool '{pool.Name}' has no vendors, so every request it matches is refused with 503"
                        : $"{path}: pool '{pool.Name}' has no vendor that takes traffic (each is inactive or has weight 0), so every request it matches is refused with 503");
                }
            }
        }

        return warnings;
    }

    /// <summary>Tells whether every vendor of an already validated router names a configured LLM.</summary>
    private static bool VendorsResolve(RouterConfig router, HashSet<string> llmIds)
    {
        foreach (var pool in router.Pools)
        {
            foreach (var vendor in pool.Vendors)
            {
                if (!llmIds.Contains(vendor.Llm))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Tells whether a router before position <paramref name="index"/> has the same slug (the slow path of a trusted router whose vendors no longer resolve).</summary>
    private static bool IsDuplicateSlug(ModelRouterConfig config, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (string.Equals(config.Routers[i].Slug, config.Routers[index].Slug, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The longest request deadline a router may set: a day.</summary>
    internal const double MaxRequestTimeoutSeconds = 86_400;

    /// <summary>Tells whether a slug is URL-safe: 1 to 64 characters of <c>[a-z0-9-]</c>.</summary>
    public static bool IsValidSlug(string? slug)
        => !string.IsNullOrEmpty(slug) && slug.Length <= 64 && slug.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private HashSet<string> ValidateLlms(ModelRouterConfig config, HashSet<object>? trusted, ErrorList errors)
    {
        UpstreamHostPolicy? hosts = null;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var idsIgnoreCase = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < config.Llms.Count; i++)
        {
            var llm = config.Llms[i];
            if (trusted is not null && trusted.Contains(llm) && idsIgnoreCase.Add(llm.Id))
            {
                ids.Add(llm.Id);
                continue;
            }

            var path = string.IsNullOrEmpty(llm.Id) ? $"llms[{i}]" : $"llm '{llm.Id}'";
            if (string.IsNullOrWhiteSpace(llm.Id))
            {
                errors.Add($"llms[{i}].id", $"{path}: id is required");
            }
            else if (llm.Id.Length > MaxNameLength)
            {
                errors.Add($"llms[{i}].id", $"{path}: id must be at most {MaxNameLength} characters");
            }
            else if (!idsIgnoreCase.Add(llm.Id))
            {
                errors.Add($"llms[{i}].id", $"{path}: id is used by another LLM; ids must be unique");
            }
            else
            {
                ids.Add(llm.Id);
            }

            if (!_providers.Contains(llm.Provider ?? ""))
            {
                errors.Add($"llms[{i}].provider", $"{path}: provider '{llm.Provider}' is not registered; use one of: {string.Join(", ", _providers.Order(StringComparer.Ordinal))}");
            }

            if (!Uri.TryCreate(llm.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"llms[{i}].baseUrl", $"{path}: baseUrl must be an absolute http or https URL (got '{llm.BaseUrl}')");
            }
            else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add($"llms[{i}].baseUrl", $"{path}: baseUrl must not carry a query, fragment or credentials; put keys in apiKey or headers");
            }
            else if ((hosts ??= _hosts()).RefusalOf(uri) is { } refusal)
            {
                errors.Add($"llms[{i}].baseUrl", $"{path}: baseUrl is refused: {refusal}");
            }

            if (!(llm.TimeoutSeconds > 0))
            {
                errors.Add($"llms[{i}].timeoutSeconds", $"{path}: timeoutSeconds must be greater than 0 (got {llm.TimeoutSeconds})");
            }

            if (!(llm.ConnectTimeoutSeconds > 0))
            {
                errors.Add($"llms[{i}].connectTimeoutSeconds", $"{path}: connectTimeoutSeconds must be greater than 0 (got {llm.ConnectTimeoutSeconds})");
            }

            if (!(llm.StreamIdleTimeoutSeconds > 0))
            {
                errors.Add($"llms[{i}].streamIdleTimeoutSeconds", $"{path}: streamIdleTimeoutSeconds must be greater than 0 (got {llm.StreamIdleTimeoutSeconds})");
            }

            if (!string.IsNullOrEmpty(llm.AccessKeyId) && string.IsNullOrEmpty(llm.ApiKey))
            {
                errors.Add($"llms[{i}].apiKey", $"{path}: accessKeyId needs its secret access key in apiKey");
            }

            if (!string.IsNullOrEmpty(llm.Region) && !llm.Region.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                errors.Add($"llms[{i}].region", $"{path}: region '{llm.Region}' is not an AWS region name such as us-east-1");
            }

            if (llm.DefaultMaxTokens is <= 0)
            {
                errors.Add($"llms[{i}].defaultMaxTokens", $"{path}: defaultMaxTokens must be at least 1 (got {llm.DefaultMaxTokens})");
            }

            for (var h = 0; h < llm.Headers.Count; h++)
            {
                ValidateHeader(llm.Headers[h], path, $"llms[{i}].headers[{h}]", errors);
            }
        }

        return ids;
    }

    /// <summary>
    /// Checks one extra header of an LLM: its name must be an HTTP token the router does not set itself, its value
    /// printable ASCII (no line breaks that could add headers of their own). The value is never quoted: it may be a secret.
    /// </summary>
    private static void ValidateHeader(HeaderConfig header, string path, string field, ErrorList errors)
    {
        var name = header.Name ?? "";
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            errors.Add($"{field}.name", $"{path}: header name '{Printable(name)}' is not a valid HTTP header name; use letters, digits and !#$%&'*+-.^_`|~");
        }
        else if (ReservedHeaders.Reason(name) is { } reason)
        {
            errors.Add($"{field}.name", $"{path}: header '{name}' cannot be configured: it is set by the router{reason}");
        }

        if (!(header.Value ?? "").All(c => c is '\t' or (>= ' ' and <= '~')))
        {
            errors.Add($"{field}.value", $"{path}: the value of header '{Printable(name)}' holds a line break, control or non-ASCII character; HTTP header values may only hold printable ASCII, spaces and tabs");
        }
    }

    /// <summary>Tells whether a character may appear in an HTTP token such as a header name (RFC 9110, section 5.6.2).</summary>
    private static bool IsTokenChar(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>Writes control characters as <c>\uXXXX</c>, so that a message quoting a name stays on one line.</summary>
    private static string Printable(string text)
        => text.Any(char.IsControl)
            ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : text;

    private void ValidatePools(RouterConfig router, string routerPath, string routerField, HashSet<string> llmIds, ErrorList errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var p = 0; p < router.Pools.Count; p++)
        {
            var pool = router.Pools[p];
            var path = string.IsNullOrEmpty(pool.Name) ? $"{routerPath}: pools[{p}]" : $"{routerPath}: pool '{pool.Name}'";
            var field = $"{routerField}.pools[{p}]";
            if (string.IsNullOrWhiteSpace(pool.Name))
            {
                errors.Add($"{field}.name", $"{path}: name is required");
            }
            else if (pool.Name.Length > MaxNameLength)
            {
                errors.Add($"{field}.name", $"{path}: name must be at most {MaxNameLength} characters");
            }
            else if (!names.Add(pool.Name))
            {
                errors.Add($"{field}.name", $"{path}: name is used by another pool of this router; pool names must be unique within a router");
            }

            if (!GlobPattern.TryParse(pool.ModelPattern, out _, out var globError))
            {
                errors.Add($"{field}.modelPattern", $"{path}: modelPattern '{pool.ModelPattern}' is not a valid glob: {globError}");
            }

            if (!_selectors.Contains(pool.Algorithm ?? ""))
            {
                errors.Add($"{field}.algorithm", $"{path}: algorithm '{pool.Algorithm}' is not a registered selector; use one of: {string.Join(", ", _selectors.Order(StringComparer.Ordinal))}");
            }

            if (pool.MaxAttempts is < 1)
            {
                errors.Add($"{field}.maxAttempts", $"{path}: maxAttempts must be at least 1, or left out to try every vendor once (got {pool.MaxAttempts})");
            }

            var statuses = pool.FailoverStatusCodes ?? [];
            for (var s = 0; s < statuses.Count; s++)
            {
                var status = statuses[s];
                if (status is < 400 or > 599)
                {
                    errors.Add($"{field}.failoverStatusCodes[{s}]", $"{path}: failoverStatusCodes may only hold 4xx and 5xx statuses (got {status})");
                }
            }

            ValidateFallbacks(router, pool, path, field, "fallbacks", static p => p.Fallbacks, errors);
            ValidateFallbacks(router, pool, path, field, "contextWindowFallbacks", static p => p.ContextWindowFallbacks, errors);

            for (var v = 0; v < pool.Vendors.Count; v++)
            {
                var vendor = pool.Vendors[v];
                var vendorPath = string.IsNullOrEmpty(vendor.Llm) ? $"{path}: vendors[{v}]" : $"{path}: vendor '{vendor.Llm}'";
                var vendorField = $"{field}.vendors[{v}]";
                if (string.IsNullOrWhiteSpace(vendor.Llm))
                {
                    errors.Add($"{vendorField}.llm", $"{vendorPath}: llm is required; name the id of a configured LLM");
                }
                else if (!llmIds.Contains(vendor.Llm))
                {
                    errors.Add($"{vendorField}.llm", $"{vendorPath}: llm '{vendor.Llm}' is not configured; add it to llms or fix the id");
                }

                if (vendor.Weight < 0)
                {
                    errors.Add($"{vendorField}.weight", $"{vendorPath}: weight must be 0 or more (got {vendor.Weight}); 0 takes no traffic");
                }

                var sources = new HashSet<string>(StringComparer.Ordinal);
                for (var m = 0; m < vendor.ModelMappings.Count; m++)
                {
                    var mapping = vendor.ModelMappings[m];
                    if (string.IsNullOrEmpty(mapping.Source) || string.IsNullOrEmpty(mapping.Target))
                    {
                        errors.Add($"{vendorField}.modelMappings[{m}]", $"{vendorPath}: modelMappings[{m}]: source and target are both required");
                    }
                    else if (!sources.Add(mapping.Source))
                    {
                        errors.Add($"{vendorField}.modelMappings[{m}].source", $"{vendorPath}: modelMappings[{m}]: source '{mapping.Source}' is mapped twice");
                    }
                }
            }
        }
    }

    /// <summary>Refuses fallback names that are no pool of the router, and fallbacks that lead back to the pool.</summary>
    private static void ValidateFallbacks(
        RouterConfig router, PoolConfig pool, string path, string field, string key, Func<PoolConfig, IReadOnlyList<string>> fallbacks, ErrorList errors)
    {
        var names = fallbacks(pool);
        for (var f = 0; f < names.Count; f++)
        {
            if (!router.Pools.Any(other => string.Equals(other.Name, names[f], StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"{field}.{key}[{f}]", $"{path}: {key}[{f}] '{names[f]}' is not a pool of this router");
            }
        }

        if (FindFallbackCycle(router, pool, fallbacks) is { } cycle)
        {
            errors.Add($"{field}.{key}", $"{path}: {key} form a cycle ({cycle}); a pool may not fall back to itself, directly or through others");
        }
    }

    /// <summary>Finds a way from <paramref name="start"/> through fallback pools back to itself: <c>a -> b -> a</c>, or <see langword="null"/>.</summary>
    private static string? FindFallbackCycle(RouterConfig router, PoolConfig start, Func<PoolConfig, IReadOnlyList<string>> fallbacks)
    {
        if (fallbacks(start).Count == 0)
        {
            return null;
        }

        var path = new List<string> { start.Name };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return Walk(start) ? string.Join(" -> ", path) : null;

        bool Walk(PoolConfig pool)
        {
            foreach (var name in fallbacks(pool))
            {
                path.Add(name);
                if (string.Equals(name, start.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (seen.Add(name) && router.Pools.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } next && Walk(next))
                {
                    return true;
                }

                path.RemoveAt(path.Count - 1);
            }

            return false;
        }
    }

    private static void ValidateApps(ModelRouterConfig config, HashSet<string> slugs, ErrorList errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Apps.Count; i++)
        {
            var app = config.Apps[i];
            var path = string.IsNullOrEmpty(app.Name) ? $"apps[{i}]" : $"app '{app.Name}'";
            if (string.IsNullOrWhiteSpace(app.Name))
            {
                errors.Add($"apps[{i}].name", $"{path}: name is required");
            }
            else if (app.Name.Length > MaxNameLength)
            {
                errors.Add($"apps[{i}].name", $"{path}: name must be at most {MaxNameLength} characters");
            }
            else if (!names.Add(app.Name))
            {
                errors.Add($"apps[{i}].name", $"{path}: name is used by another app; app names must be unique");
            }

            // An app may have no key: it was revoked, or the host's own authentication names the app.
            string? hash = null;
            if (!string.IsNullOrEmpty(app.ApiKey))
            {
                if (app.ApiKey.Length < AppKeys.MinimumLength)
                {
                    errors.Add($"apps[{i}].apiKey", $"{path}: apiKey must be at least {AppKeys.MinimumLength} characters");
                }
                else
                {
                    hash = AppKeys.Hash(app.ApiKey);
                }
            }
            else if (!string.IsNullOrEmpty(app.ApiKeyHash))
            {
                hash = CheckHash(app.ApiKeyHash, $"apps[{i}].apiKeyHash", path, "apiKeyHash", errors);
            }

            if (hash is not null && !keys.Add(hash))
            {
                errors.Add($"apps[{i}].apiKey", $"{path}: apiKey is the same as another app's; give every app its own key");
            }

            if (!string.IsNullOrEmpty(app.PreviousApiKeyHash))
            {
                CheckHash(app.PreviousApiKeyHash, $"apps[{i}].previousApiKeyHash", path, "previousApiKeyHash", errors);
            }

            if (app.RequestsPerMinute is <= 0)
            {
                errors.Add($"apps[{i}].requestsPerMinute", $"{path}: requestsPerMinute must be at least 1; leave it out for no limit");
            }

            if (app.TokensPerMinute is <= 0)
            {
                errors.Add($"apps[{i}].tokensPerMinute", $"{path}: tokensPerMinute must be at least 1; leave it out for no limit");
            }

            for (var r = 0; r < app.Routers.Count; r++)
            {
                var slug = app.Routers[r];
                if (slug != "*" && !slugs.Contains(slug))
                {
                    errors.Add($"apps[{i}].routers[{r}]", $"{path}: router '{slug}' is not configured; fix the slug or use '*' for every router");
                }
            }
        }
    }

    private static string? CheckHash(string hash, string field, string path, string name, ErrorList errors)
    {
        Span<byte> digest = stackalloc byte[32];
        if (AppKeys.TryReadHash(hash, digest))
        {
            return hash.ToLowerInvariant();
        }

        errors.Add(field, $"{path}: {name} must be '{AppKeys.HashPrefix}' followed by 64 hexadecimal digits (the SHA-256 of the key)");
        return null;
    }

    /// <summary>Collects problems, each with the path of its field.</summary>
    private sealed partial class ErrorList : List<ModelRouterConfigError>
    {
        /// <summary>The longest message kept whole; a longer one has its quoted values cut.</summary>
        private const int LongMessage = 400;

        /// <summary>The longest a message may be, whatever it quotes.</summary>
        private const int MaxMessage = 2000;

        public void Add(string field, string message) => Add(new ModelRouterConfigError(field, Shorten(message)));

        /// <summary>
        /// Cuts each value a long message quotes to its first 64 characters: a message names what is wrong and the fix,
        /// it does not echo a megabyte-long id or URL back to the admin API's caller and the log.
        /// </summary>
        private static string Shorten(string message)
        {
            if (message.Length <= LongMessage)
            {
                return message;
            }

            message = QuotedRun().Replace(message, m => string.Concat("'", m.Groups[1].Value, "…'"));
            return message.Length <= MaxMessage ? message : string.Concat(message.AsSpan(0, MaxMessage), "…");
        }

        [GeneratedRegex("'([^']{64})[^']+'", RegexOptions.CultureInvariant)]
        private static partial Regex QuotedRun();
    }
}
