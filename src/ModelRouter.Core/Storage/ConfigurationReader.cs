using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ModelRouter.Configuration;
using ModelRouter.Serialization;
using ModelRouter.Validation;

namespace ModelRouter.Storage;

/// <summary>
/// Maps configuration sections onto the config records by hand: trimming-safe, lenient as configuration files are (a
/// single value where a list is expected, headers as an object of names to values), and every conversion problem is
/// reported with its path, where the configuration binder stops at the first. JSON (admin bodies, stored rows) does not
/// come through here: <see cref="Serialization.ConfigDocuments"/> reads it.
/// </summary>
internal static class ConfigurationReader
{
    public static void BindOptions(IConfiguration section, ModelRouterOptions options)
    {
        var errors = new List<ModelRouterConfigError>();
        options.Namespace = section["namespace"] ?? options.Namespace;
        options.AdminApiKey = section["adminApiKey"] ?? options.AdminApiKey;
        options.AppClaimType = section["appClaimType"] is { Length: > 0 } claimType ? claimType : options.AppClaimType;
        options.RequireAppKey = ReadBool(section, "requireAppKey", options.RequireAppKey, "ModelRouter", errors);
        options.MaxRequestBodyBytes = ReadInt(section, "maxRequestBodyBytes", options.MaxRequestBodyBytes, "ModelRouter", errors);
        options.MaxResponseBodyBytes = ReadInt(section, "maxResponseBodyBytes", options.MaxResponseBodyBytes, "ModelRouter", errors);
        options.MaxJsonDepth = ReadInt(section, "maxJsonDepth", options.MaxJsonDepth, "ModelRouter", errors);
        options.FailureThreshold = ReadInt(section, "failureThreshold", options.FailureThreshold, "ModelRouter", errors);
        options.CooldownSeconds = ReadDouble(section, "cooldownSeconds", options.CooldownSeconds, "ModelRouter", errors);
        options.BreakerSamplingSeconds = ReadDouble(section, "breakerSamplingSeconds", options.BreakerSamplingSeconds, "ModelRouter", errors);
        options.MaxRetryAfterSeconds = ReadDouble(section, "maxRetryAfterSeconds", options.MaxRetryAfterSeconds, "ModelRouter", errors);
        options.CredentialCooldownSeconds = ReadDouble(section, "credentialCooldownSeconds", options.CredentialCooldownSeconds, "ModelRouter", errors);
        options.StoreRetryDelaySeconds = ReadDouble(section, "storeRetryDelaySeconds", options.StoreRetryDelaySeconds, "ModelRouter", errors);
        options.StoreRetryMaxDelaySeconds = ReadDouble(section, "storeRetryMaxDelaySeconds", options.StoreRetryMaxDelaySeconds, "ModelRouter", errors);
        options.AllowLinkLocalUpstreams = ReadBool(section, "allowLinkLocalUpstreams", options.AllowLinkLocalUpstreams, "ModelRouter", errors);
        options.AllowLoopbackUpstreams = ReadBool(section, "allowLoopbackUpstreams", options.AllowLoopbackUpstreams, "ModelRouter", errors);
        foreach (var host in ReadStrings(section.GetSection("allowedUpstreamHosts")))
        {
            options.AllowedUpstreamHosts.Add(host);
        }
        if (errors.Count > 0)
        {
            throw new ModelRouterConfigurationException([.. errors.Select(e => e.Message)]);
        }
    }

    public static ModelRouterConfig ReadConfig(IConfiguration section)
    {
        var errors = new List<ModelRouterConfigError>();
        var config = ReadConfig(section, errors);
        if (errors.Count > 0)
        {
            throw new ModelRouterConfigurationException([.. errors.Select(e => e.Message)]);
        }

        return config;
    }

    /// <summary>Reads a whole configuration, adding every conversion problem to <paramref name="errors"/> instead of throwing.</summary>
    public static ModelRouterConfig ReadConfig(IConfiguration section, List<ModelRouterConfigError> errors)
    {
        var llms = section.GetSection("llms").GetChildren().Select((s, i) => ReadLlm(s, $"llms[{i}]", errors)).ToArray();
        var routers = section.GetSection("routers").GetChildren().Select((s, i) => ReadRouter(s, $"routers[{i}]", errors)).ToArray();
        var apps = section.GetSection("apps").GetChildren().Select((s, i) => ReadApp(s, $"apps[{i}]", errors)).ToArray();
        var config = new ModelRouterConfig { Llms = llms, Routers = routers, Apps = apps };
        return config with { Revision = ComputeRevision(config) };
    }

    /// <summary>Reads an app; a plaintext key is hashed here, so that the configuration in memory holds only its hash.</summary>
    private static AppConfig ReadApp(IConfigurationSection s, string path, List<ModelRouterConfigError> errors)
    {
        var key = s["apiKey"] ?? "";
        var name = s["name"] ?? "";
        if (key.Length is > 0 and < AppKeys.MinimumLength)
        {
            var label = string.IsNullOrEmpty(name) ? path : $"app '{name}'";
            errors.Add(new ModelRouterConfigError($"{path}.apiKey", $"{label}: apiKey must be at least {AppKeys.MinimumLength} characters"));
        }

        return new AppConfig
        {
            Name = name,
            ApiKeyHash = key.Length > 0 ? AppKeys.Hash(key) : NullIfEmpty(s["apiKeyHash"]),
            PreviousApiKeyHash = NullIfEmpty(s["previousApiKeyHash"]),
            PreviousApiKeyExpiresAt = ReadTime(s, "previousApiKeyExpiresAt", path, errors),
            Active = ReadBool(s, "active", true, path, errors),
            ExpiresAt = ReadTime(s, "expiresAt", path, errors),
            Routers = ReadStrings(s.GetSection("routers")),
            RequestsPerMinute = string.IsNullOrEmpty(s["requestsPerMinute"]) ? null : ReadInt(s, "requestsPerMinute", 0, path, errors),
            TokensPerMinute = string.IsNullOrEmpty(s["tokensPerMinute"]) ? null : ReadInt(s, "tokensPerMinute", 0, path, errors),
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static DateTimeOffset? ReadTime(IConfigurationSection s, string key, string path, List<ModelRouterConfigError> errors)
    {
        var text = s[key];
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        errors.Add(new ModelRouterConfigError($"{path}.{key}", $"{path}: {key} must be a date and time such as 2027-01-31T00:00:00Z (got '{text}')"));
        return null;
    }

    private static LlmConfig ReadLlm(IConfigurationSection s, string path, List<ModelRouterConfigError> errors)
    {
        var defaults = new LlmConfig();
        return new LlmConfig
        {
            Id = s["id"] ?? "",
            Provider = s["provider"] ?? defaults.Provider,
            BaseUrl = s["baseUrl"] ?? "",
            ApiKey = s["apiKey"],
            ApiVersion = s["apiVersion"],
            Region = s["region"],
            AccessKeyId = s["accessKeyId"],
            Headers = s.GetSection("headers").GetChildren()
                .Select(h => h.Value is not null && h["name"] is null
                    ? new HeaderConfig { Name = h.Key, Value = h.Value }
                    : new HeaderConfig { Name = h["name"] ?? "", Value = h["value"] ?? "" })
                .ToArray(),
            ConnectTimeoutSeconds = ReadDouble(s, "connectTimeoutSeconds", defaults.ConnectTimeoutSeconds, path, errors),
            TimeoutSeconds = ReadDouble(s, "timeoutSeconds", defaults.TimeoutSeconds, path, errors),
            StreamIdleTimeoutSeconds = ReadDouble(s, "streamIdleTimeoutSeconds", defaults.StreamIdleTimeoutSeconds, path, errors),
            DefaultMaxTokens = string.IsNullOrEmpty(s["defaultMaxTokens"]) ? null : ReadInt(s, "defaultMaxTokens", 0, path, errors),
        };
    }

    private static RouterConfig ReadRouter(IConfigurationSection s, string path, List<ModelRouterConfigError> errors) => new()
    {
        Slug = s["slug"] ?? "",
        Name = s["name"] ?? "",
        Description = s["description"] ?? "",
        Active = ReadBool(s, "active", true, path, errors),
        Namespaces = ReadStrings(s.GetSection("namespaces")),
        RequestTimeoutSeconds = string.IsNullOrEmpty(s["requestTimeoutSeconds"]) ? null : ReadDouble(s, "requestTimeoutSeconds", 0, path, errors),
        Pools = Items(s.GetSection("pools"), HasPool).Select((p, i) => ReadPool(p, Join(path, $"pools[{i}]"), errors)).ToArray(),
    };

    private static PoolConfig ReadPool(IConfigurationSection s, string path, List<ModelRouterConfigError> errors)
    {
        var defaults = new PoolConfig();
        return new PoolConfig
        {
            Name = s["name"] ?? "",
            ModelPattern = s["modelPattern"] ?? defaults.ModelPattern,
            Algorithm = s["algorithm"] ?? defaults.Algorithm,
            Priority = ReadInt(s, "priority", 0, path, errors),
            MaxAttempts = string.IsNullOrEmpty(s["maxAttempts"]) ? null : ReadInt(s, "maxAttempts", 0, path, errors),
            FailoverStatusCodes = HasList(s.GetSection("failoverStatusCodes"), HasValue)
                ? [.. Items(s.GetSection("failoverStatusCodes"), HasValue).Select(c => ReadInt(s.GetSection("failoverStatusCodes"), c.Key, 0, Join(path, "failoverStatusCodes"), errors))]
                : null,
            Fallbacks = ReadStrings(s.GetSection("fallbacks")),
            ContextWindowFallbacks = ReadStrings(s.GetSection("contextWindowFallbacks")),
            Vendors = Items(s.GetSection("vendors"), HasVendor).Select((v, i) => new VendorConfig
            {
                Llm = v["llm"] ?? "",
                Weight = ReadInt(v, "weight", 1, Join(path, $"vendors[{i}]"), errors),
                Active = ReadBool(v, "active", true, Join(path, $"vendors[{i}]"), errors),
                ModelMappings = Items(v.GetSection("modelMappings"), HasMapping)
                    .Select(m => new ModelMappingConfig { Source = m["source"] ?? "", Target = m["target"] ?? "" })
                    .ToArray(),
            }).ToArray(),
        };
    }

    private static string[] ReadStrings(IConfigurationSection s)
        => s.Value is { Length: > 0 } single
            ? [single]
            : [.. Items(s, HasValue).Select(c => c.Value!)];

    /// <summary>
    /// Lists the items <c>0</c>, <c>1</c>, ... of a list nested in an LLM, router or app, through the indexer while
    /// an item has content. <see cref="IConfiguration.GetChildren"/> scans every key of every provider on each call:
    /// listing the children of every router, pool and vendor that way grew with the square of the configuration.
    /// </summary>
    private static IEnumerable<IConfigurationSection> Items(IConfigurationSection list, Func<IConfigurationSection, bool> hasContent)
    {
        for (var i = 0; ; i++)
        {
            var item = list.GetSection(i.ToString(CultureInfo.InvariantCulture));
            if (!hasContent(item))
            {
                yield break;
            }

            yield return item;
        }
    }

    private static bool HasValue(IConfigurationSection s) => s.Value is not null;

    private static bool HasList(IConfigurationSection list, Func<IConfigurationSection, bool> hasContent)
        => list.Value is not null || hasContent(list.GetSection("0"));

    private static bool HasAny(IConfigurationSection s, string[] keys)
    {
        foreach (var key in keys)
        {
            if (s[key] is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static readonly string[] PoolKeys = ["name", "modelPattern", "algorithm", "priority", "maxAttempts"];
    private static readonly string[] VendorKeys = ["llm", "weight", "active"];
    private static readonly string[] MappingKeys = ["source", "target"];

    private static bool HasPool(IConfigurationSection s)
        => HasAny(s, PoolKeys) || HasList(s.GetSection("failoverStatusCodes"), HasValue) || HasList(s.GetSection("fallbacks"), HasValue) || HasList(s.GetSection("contextWindowFallbacks"), HasValue)
            || HasList(s.GetSection("vendors"), HasVendor);

    private static bool HasVendor(IConfigurationSection s) => HasAny(s, VendorKeys) || HasList(s.GetSection("modelMappings"), HasMapping);

    private static bool HasMapping(IConfigurationSection s) => HasAny(s, MappingKeys);

    private static bool ReadBool(IConfiguration s, string key, bool fallback, string path, List<ModelRouterConfigError> errors)
    {
        var text = s[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        AddError(errors, path, key, $"'{key}' must be true or false, not '{text}'");
        return fallback;
    }

    private static int ReadInt(IConfiguration s, string key, int fallback, string path, List<ModelRouterConfigError> errors)
    {
        var text = s[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        AddError(errors, path, key, $"'{key}' must be a whole number, not '{text}'");
        return fallback;
    }

    private static double ReadDouble(IConfiguration s, string key, double fallback, string path, List<ModelRouterConfigError> errors)
    {
        var text = s[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        AddError(errors, path, key, $"'{key}' must be a number, not '{text}'");
        return fallback;
    }

    /// <summary>Joins a field path and a member: <c>routers[0]</c> and <c>pools[1]</c> give <c>routers[0].pools[1]</c>; an empty path gives the member.</summary>
    private static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";

    private static void AddError(List<ModelRouterConfigError> errors, string path, string key, string message)
    {
        // Keys of a list (failoverStatusCodes) are indices: report them as such.
        var field = key.Length > 0 && char.IsAsciiDigit(key[0]) ? $"{path}[{key}]" : Join(path, key);
        errors.Add(new ModelRouterConfigError(field, path.Length == 0 ? message : $"{path}: {message}"));
    }

    // The revision is a digest of the LLMs, routers and apps read, so an unchanged reload is recognised as such. (A
    // digest of every key under the section walked the tree with GetChildren, a scan of every key per node.)
    private static string ComputeRevision(ModelRouterConfig config)
        => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(config, ConfigJsonContext.Default.ModelRouterConfig)))[..16];
}
