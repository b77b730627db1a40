using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>Admin writes and imports refuse LLM headers that the router sets itself, keyed by the header's name field.</summary>
[TestFixture]
public sealed class AdminLlmHeaderTests : AdminApiFixture
{
    protected override ModelRouterConfig InitialConfig => new() { Llms = [Llm("a", apiKey: "sk-secret-a")] };

    [TestCase("POST", "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"X-Team","value":"t"},{"name":"Host","value":"127.0.0.1:8080"}]}""", "headers[1].name")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"authorization","value":"Bearer sk-other"}]}""", "headers[0].name")]
    [TestCase("PUT", "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":{"Transfer-Encoding":"chunked"}}""", "headers[0].name")]
    [TestCase("POST", "/import", """{"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"Content-Length","value":"1"}]}]}""", "llms[0].headers[0].name")]
    [TestCase("POST", "/llms", """{"id":"b","baseUrl":"http://127.0.0.1:9/v1","headers":[{"name":"X-Team","value":"t\r\nHost: 127.0.0.1"}]}""", "headers[0].value")]
    public async Task Write_HeaderTheRouterSetsOrNotValidHttp_400KeyedByTheHeaderAndNothingChanges(string method, string path, string json, string field)
    {
        var before = (await Store.ReadAsync()).Revision;

        using var response = await Host.SendAdminAsync(new HttpMethod(method), path, json);

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(text, Does.Not.Contain("sk-other"));
        Assert.That((await Store.ReadAsync()).Revision, Is.EqualTo(before));
    }
}
