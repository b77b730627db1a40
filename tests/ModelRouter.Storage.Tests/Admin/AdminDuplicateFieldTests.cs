using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>A field written twice in an admin body (in any case) is ambiguous: 400 naming it, never a 500.</summary>
[TestFixture]
public sealed class AdminDuplicateFieldTests : AdminApiFixture
{
    [TestCase("POST", "/llms", """{"id":"a2","id":"b","baseUrl":"http://127.0.0.1:9/v1"}""", "id")]
    [TestCase("POST", "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","apiKey":"sk-one-1","APIKEY":"sk-two-2"}""", "apiKey")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"X-A","value":"1","Value":"2"}]}""", "headers[0].value")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":{"X-A":"1","x-a":"2"}}""", "headers.x-a")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":{"X-0":"0","X-1":"1","X-2":"2","X-3":"3","X-4":"4","X-5":"5","X-6":"6","X-7":"7","X-8":"8","X-9":"9","X-10":"10","X-11":"11","X-12":"12","X-13":"13","X-14":"14","X-15":"15","X-16":"16","X-17":"17","X-18":"18","X-19":"19","x-17":"again"}}""", "headers.x-17")]
    [TestCase("POST", "/routers", """{"slug":"r2","pools":[{"name":"p","vendors":[{"llm":"a","weight":1,"Weight":2}]}]}""", "pools[0].vendors[0].weight")]
    [TestCase("PUT", "/routers/r1", """{"slug":"r1","Pools":[],"pools":[{"name":"p","vendors":[{"llm":"a"}]}]}""", "pools")]
    [TestCase("POST", "/apps", """{"name":"x1","Name":"y1","apiKey":"ops-key-4567","routers":["*"]}""", "name")]
    [TestCase("PUT", "/apps/team", """{"name":"team","apiKey":"app-key-123","routers":["*"],"ROUTERS":["r1"]}""", "routers")]
    [TestCase("POST", "/import", """{"llms":[],"LLMS":[]}""", "llms")]
    [TestCase("POST", "/import", """{"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1"}],"routers":[{"slug":"r1","Slug":"r2","pools":[]}]}""", "routers[0].slug")]
    public async Task Write_FieldTwice_400NamingItAndNothingChanges(string method, string path, string json, string field)
    {
        var before = await DescribeStoreAsync();

        using var response = await Host.SendAdminAsync(new HttpMethod(method), path, json);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(errors[field]![0]!.GetValue<string>(), Does.Contain("more than once"));
        Assert.That(text, Does.Not.Contain("sk-one-1").And.Not.Contain("sk-two-2"));
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task CreateRouter_FieldNameWithColonsCollidingWithANestedField_400NamingBoth()
    {
        var before = await DescribeStoreAsync();

        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/routers",
            """{"slug":"r2","pools:0:name":"x","pools":[{"name":"p","vendors":[{"llm":"a"}]}]}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "pools:0:name", "pools[0].name" }));
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task CreateRouter_SameFieldNameInSiblingObjects_Accepted()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/routers",
            """{"slug":"r2","pools":[{"name":"p","vendors":[{"llm":"a","weight":1},{"llm":"a","weight":2}]},{"name":"q","vendors":[]}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private async Task<string> DescribeStoreAsync()
        => System.Text.Json.JsonSerializer.Serialize((await Store.ReadAsync()).ToConfig() with { Revision = "" }, Reflection);
}
