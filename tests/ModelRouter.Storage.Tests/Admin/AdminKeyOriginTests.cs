using System.Net;
using System.Text.Json.Nodes;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestData;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>A stored key or header value is bound to the origin of its LLM's baseUrl: moving the LLM elsewhere needs them sent again.</summary>
[TestFixture]
public sealed class AdminKeyOriginTests : AdminApiFixture
{
    private const string Key = "sk-PROD-secret-0001";
    private const string HeaderSecret = "Bearer hdr-secret-0002";

    protected override ModelRouterConfig InitialConfig => new()
    {
        Llms =
        [
            Llm("other", apiKey: "sk-other-0003"),
            Llm("a", baseUrl: "http://127.0.0.1:18080/ok/v1", apiKey: Key) with { Headers = [new() { Name = "X-Upstream-Auth", Value = HeaderSecret }] },
        ],
    };

    [TestCase("http://127.0.0.1:18081/ok/v1", null, Description = "another port, key left out")]
    [TestCase("http://127.0.0.1:18081/ok/v1", "\"********\"", Description = "another port, key masked")]
    [TestCase("https://127.0.0.1:18080/ok/v1", null, Description = "another scheme")]
    [TestCase("http://localhost:18080/ok/v1", "\"********\"", Description = "another host")]
    [TestCase("http://127.0.0.1:18081/ok/v1", "\"\"", Description = "another port, key empty")]
    public async Task PutLlm_NewOriginKeepingTheStoredKey_400NamingApiKeyAndNothingChanges(string baseUrl, string? apiKey)
    {
        var before = await DescribeStoreAsync();
        var key = apiKey is null ? "" : $",\"apiKey\":{apiKey}";

        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/llms/a", $$"""{"id":"a","baseUrl":"{{baseUrl}}"{{key}}}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EqualTo(new[] { "apiKey" }));
        Assert.That(errors["apiKey"]![0]!.GetValue<string>(), Does.Contain("apiKey").And.Contain("baseUrl"));
        Assert.That(text, Does.Not.Contain(Key));
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task PutLlm_NewOriginWithANewKey_200AndTheNewKeyIsStored()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/llms/a", """{"id":"a","baseUrl":"http://127.0.0.1:18081/ok/v1","apiKey":"sk-new-0004"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var stored = (await Store.ReadAsync()).FindLlm("a")!.Item;
        Assert.That((stored.BaseUrl, stored.ApiKey), Is.EqualTo(("http://127.0.0.1:18081/ok/v1", "sk-new-0004")));
    }

    [TestCase("http://127.0.0.1:18080/other/v2")]
    [TestCase("HTTP://127.0.0.1:18080/ok/v1/")]
    public async Task PutLlm_SameOriginOtherPath_KeepsTheStoredKeyAndHeaderValue(string baseUrl)
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/llms/a",
            $$"""{"id":"a","baseUrl":"{{baseUrl}}","apiKey":"********","headers":[{"name":"X-Upstream-Auth","value":"********"}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var stored = (await Store.ReadAsync()).FindLlm("a")!.Item;
        Assert.That(stored.ApiKey, Is.EqualTo(Key));
        Assert.That(stored.Headers.Single().Value, Is.EqualTo(HeaderSecret));
    }

    [TestCase("""{"name":"X-Upstream-Auth"}""")]
    [TestCase("""{"name":"x-upstream-auth","value":"********"}""")]
    public async Task PutLlm_NewOriginKeepingAStoredHeaderValue_400NamingTheHeaderValue(string header)
    {
        var before = await DescribeStoreAsync();

        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/llms/a",
            $$"""{"id":"a","baseUrl":"http://127.0.0.1:18081/ok/v1","apiKey":"sk-new-0004","headers":[{"name":"X-Other","value":"v"},{{header}}]}""");

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EqualTo(new[] { "headers[1].value" }));
        Assert.That(text, Does.Not.Contain("hdr-secret-0002"));
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task PutLlm_NewOriginWithNewHeaderValues_200()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/llms/a",
            """{"id":"a","baseUrl":"http://127.0.0.1:18081/ok/v1","apiKey":"sk-new-0004","headers":[{"name":"X-Upstream-Auth","value":"Bearer rotated"}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Store.ReadAsync()).FindLlm("a")!.Item.Headers.Single().Value, Is.EqualTo("Bearer rotated"));
    }

    [Test]
    public async Task Import_LlmKeepingItsKeyAtANewOrigin_400NamingLlmsIndexApiKey()
    {
        using var export = await Host.SendAdminAsync(HttpMethod.Get, "/export");
        var config = JsonNode.Parse(await export.Content.ReadAsStringAsync())!;
        config["llms"]![1]!["baseUrl"] = "http://127.0.0.1:18081/ok/v1";
        var before = await DescribeStoreAsync();

        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/import", config.ToJsonString());

        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "llms[1].apiKey", "llms[1].headers[0].value" }));
        Assert.That(text, Does.Not.Contain(Key).And.Not.Contain("hdr-secret-0002"));
        Assert.That(await DescribeStoreAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Import_ExportedBackUnchanged_KeepsKeysAndHeaderValues()
    {
        using var export = await Host.SendAdminAsync(HttpMethod.Get, "/export");

        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/import", await export.Content.ReadAsStringAsync());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var stored = (await Store.ReadAsync()).FindLlm("a")!.Item;
        Assert.That((stored.ApiKey, stored.Headers.Single().Value), Is.EqualTo((Key, HeaderSecret)));
    }

    private async Task<string> DescribeStoreAsync()
        => System.Text.Json.JsonSerializer.Serialize((await Store.ReadAsync()).ToConfig() with { Revision = "" }, Reflection);
}
