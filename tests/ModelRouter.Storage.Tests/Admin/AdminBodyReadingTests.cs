using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>How admin bodies are read: every value of the wrong kind is a 400 keyed by its path; defaults fill what a body leaves out.</summary>
[TestFixture]
public sealed class AdminBodyReadingTests : AdminApiFixture
{
    [TestCase("POST", "/routers", """{"slug":"r2","pools":[{"name":"p","vendors":[{"llm":"a","weight":{"x":1},"active":[true]}]}]}""",
        new[] { "pools[0].vendors[0].weight", "pools[0].vendors[0].active" })]
    [TestCase("POST", "/routers", """{"slug":"r2","name":5,"namespaces":"eu","pools":{"0":{"name":"p","vendors":[{"llm":"a"}]}}}""",
        new[] { "name", "namespaces", "pools" })]
    [TestCase("POST", "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","timeoutSeconds":[5],"headers":"X-A: 1","defaultMaxTokens":1.5}""",
        new[] { "timeoutSeconds", "headers", "defaultMaxTokens" })]
    [TestCase("PUT", "/routers/r1", """{"slug":"r1","pools":[{"name":"all","failoverStatusCodes":[500,"x",null],"vendors":[{"llm":"a","modelMappings":[{"source":"m","target":true}]}]}]}""",
        new[] { "pools[0].failoverStatusCodes[1]", "pools[0].failoverStatusCodes[2]", "pools[0].vendors[0].modelMappings[0].target" })]
    [TestCase("POST", "/routers", """{"slug":"r2","active":"true","pools":[{"name":"p","priority":"2","vendors":[{"llm":"a","weight":"3"}]}]}""",
        new[] { "active", "pools[0].priority", "pools[0].vendors[0].weight" })]
    [TestCase("PUT", "/apps/team", """{"name":"team","apiKey":12345678,"routers":{"0":"*"}}""", new[] { "apiKey", "routers" })]
    public async Task Write_ValueOfTheWrongKind_400NamingEveryFieldAndNothingChanges(string method, string path, string json, string[] fields)
    {
        var before = await DescribeStoreAsync();

        using var response = await Host.SendAdminAsync(new HttpMethod(method), path, json);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(fields));
        Assert.That(errors.Select(e => e.Value![0]!.GetValue<string>()), Has.All.Contains(" must be "));
        Assert.That(text, Does.Not.Contain("12345678"), "a key of the wrong kind is not echoed");
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Import_WrongKindsDeepInside_400KeyedByTheFullPathWithTheValue()
    {
        const string json = """
            {"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1","timeoutSeconds":"soon"}],
             "routers":[{"slug":"r1","pools":[{"name":"p","vendors":[{"llm":"a"}]},{"name":"q","priority":"high","vendors":[{"llm":"a","weight":"abc"}]}]}]}
            """;

        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/import", json);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "llms[0].timeoutSeconds", "routers[0].pools[1].priority", "routers[0].pools[1].vendors[0].weight" }));
        Assert.Multiple(() =>
        {
            Assert.That(errors["routers[0].pools[1].vendors[0].weight"]![0]!.GetValue<string>(), Is.EqualTo("routers[0].pools[1].vendors[0]: 'weight' must be a whole number, not 'abc'"));
            Assert.That(errors["routers[0].pools[1].priority"]![0]!.GetValue<string>(), Is.EqualTo("routers[0].pools[1]: 'priority' must be a whole number, not 'high'"));
            Assert.That(errors["llms[0].timeoutSeconds"]![0]!.GetValue<string>(), Is.EqualTo("llms[0]: 'timeoutSeconds' must be a number, not 'soon'"));
        });
    }

    [Test]
    public async Task CreateRouter_FieldsLeftOutOrNull_TakeTheirDefaults()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/routers",
            """{"slug":"r2","description":null,"pools":[{"name":"p","maxAttempts":null,"vendors":[{"llm":"a","weight":null},{"llm":"a","weight":0,"active":false}]}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var router = (await Store.ReadAsync()).FindRouter("r2")!.Item;
        var pool = router.Pools[0];
        Assert.Multiple(() =>
        {
            Assert.That((router.Name, router.Description, router.Active, router.Namespaces.Count), Is.EqualTo(("", "", true, 0)));
            Assert.That((pool.ModelPattern, pool.Algorithm, pool.Priority, pool.MaxAttempts, pool.FailoverStatusCodes), Is.EqualTo(("*", "round_robin", 0, (int?)null, (IReadOnlyList<int>?)null)));
            Assert.That((pool.Vendors[0].Weight, pool.Vendors[0].Active, pool.Vendors[0].ModelMappings.Count), Is.EqualTo((1, true, 0)));
            Assert.That((pool.Vendors[1].Weight, pool.Vendors[1].Active), Is.EqualTo((0, false)));
        });
    }

    [Test]
    public async Task CreateLlm_HeadersAsAnObjectOfNamesToValues_StoredAsAList()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/llms",
            """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","headers":{"OpenAI-Organization":"org-1","X-Team":"blue"}}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var headers = (await Store.ReadAsync()).FindLlm("b")!.Item.Headers;
        Assert.That(headers.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("OpenAI-Organization", "org-1"), ("X-Team", "blue") }));
    }

    private async Task<string> DescribeStoreAsync()
        => System.Text.Json.JsonSerializer.Serialize((await Store.ReadAsync()).ToConfig() with { Revision = "" }, Reflection);
}
