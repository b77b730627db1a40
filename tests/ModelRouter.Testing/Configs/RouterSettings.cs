using System.Text.Json.Nodes;

namespace ModelRouter.Testing;

/// <summary>Builds an <c>appsettings.json</c> with a <c>ModelRouter</c> section: one pool matching <c>*</c> per router.</summary>
internal sealed class RouterSettings
{
    private readonly JsonArray _llms = [];
    private readonly JsonArray _routers = [];
    private readonly JsonArray _apps = [];
    private readonly JsonObject _hostSettings = [];

    /// <summary>Sets a host-level key of the section (for example <c>failureThreshold</c>), written as given.</summary>
    public RouterSettings Setting(string key, JsonNode? value)
    {
        _hostSettings[key] = value;
        return this;
    }

    public RouterSettings Llm(string id, string baseUrl, string apiKey, double timeoutSeconds = 30, double? connectTimeoutSeconds = null, IReadOnlyDictionary<string, string>? headers = null, string provider = "openai")
    {
        var llm = new JsonObject { ["id"] = id, ["provider"] = provider, ["baseUrl"] = baseUrl, ["apiKey"] = apiKey, ["timeoutSeconds"] = timeoutSeconds };
        if (connectTimeoutSeconds is { } connect)
        {
            llm["connectTimeoutSeconds"] = connect;
        }

        if (headers is not null)
        {
            llm["headers"] = new JsonArray([.. headers.Select(h => (JsonNode)new JsonObject { ["name"] = h.Key, ["value"] = h.Value })]);
        }

        _llms.Add(llm);
        return this;
    }

    public RouterSettings Llm(FakeVendor vendor) => Llm(vendor.Name, vendor.BaseUrl, "llm-key-" + vendor.Name);

    public RouterSettings Router(string slug, params JsonObject[] vendors)
    {
        _routers.Add(new JsonObject
        {
            ["slug"] = slug,
            ["name"] = slug,
            ["pools"] = new JsonArray(new JsonObject
            {
                ["name"] = "all",
                ["modelPattern"] = "*",
                ["algorithm"] = "round_robin",
                ["vendors"] = new JsonArray([.. vendors]),
            }),
        });
        return this;
    }

    /// <summary>A router with the given pools, in priority order, each round-robin over its vendors.</summary>
    public RouterSettings Router(string slug, params (string Name, string Pattern, JsonObject[] Vendors)[] pools)
    {
        _routers.Add(new JsonObject
        {
            ["slug"] = slug,
            ["name"] = slug,
            ["pools"] = new JsonArray([.. pools.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["modelPattern"] = p.Pattern,
                ["algorithm"] = "round_robin",
                ["vendors"] = new JsonArray([.. p.Vendors]),
            })]),
        });
        return this;
    }

    public RouterSettings App(string name, string apiKey, params string[] routers)
    {
        _apps.Add(new JsonObject { ["name"] = name, ["apiKey"] = apiKey, ["routers"] = new JsonArray([.. routers.Select(r => (JsonNode)r)]) });
        return this;
    }

    public static JsonObject Vendor(string llm, params (string Source, string Target)[] mappings) => new()
    {
        ["llm"] = llm,
        ["weight"] = 1,
        ["active"] = true,
        ["modelMappings"] = new JsonArray([.. mappings.Select(m => (JsonNode)new JsonObject { ["source"] = m.Source, ["target"] = m.Target })]),
    };

    public string ToJson()
    {
        var section = (JsonObject)_hostSettings.DeepClone();
        section["llms"] = _llms.DeepClone();
        section["routers"] = _routers.DeepClone();
        section["apps"] = _apps.DeepClone();
        return new JsonObject { ["ModelRouter"] = section }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
