using System.Net;

namespace ModelRouter.Storage.Tests.Admin;

/// <summary>An admin write of a router, or an import, answers with the load-time warnings of what it wrote, one header each.</summary>
[TestFixture]
public sealed class AdminWarningsTests : AdminApiFixture
{
    private const string Header = "x-model-router-warning";

    // "mini" comes after the catch-all "*" at the same priority, and its only vendor is inactive.
    private const string ShadowedRouter = """
        {"slug":"r1","pools":[
          {"name":"all","modelPattern":"*","vendors":[{"llm":"a"}]},
          {"name":"mini","modelPattern":"gpt-4o-mini","vendors":[{"llm":"a","active":false}]}]}
        """;

    private static string[] Warnings(HttpResponseMessage response)
        => response.Headers.TryGetValues(Header, out var values) ? [.. values] : [];

    [Test]
    public async Task ReplaceRouter_ShadowedPoolWithoutTraffic_AnswersBothWarnings()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Put, "/routers/r1", ShadowedRouter);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var warnings = Warnings(response);
        Assert.That(warnings, Has.Length.EqualTo(2));
        Assert.That(warnings[0], Does.Contain("pool 'mini' can never match").And.Contain("pool 'all'"));
        Assert.That(warnings[1], Does.Contain("pool 'mini' has no vendor that takes traffic"));
    }

    [Test]
    public async Task CreateRouter_Clean_AnswersNoWarning()
    {
        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/routers", """{"slug":"r2","pools":[{"name":"all","modelPattern":"*","vendors":[{"llm":"a"}]}]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(Warnings(response), Is.Empty);
    }

    [Test]
    public async Task CreateRouter_ShadowedPool_AnswersItsWarningOnly()
    {
        // r1 as stored has no warning; only what this write wrote is reported.
        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/routers", ShadowedRouter.Replace("\"r1\"", "\"r2\"", StringComparison.Ordinal));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(Warnings(response), Has.Length.EqualTo(2).And.All.Contain("router 'r2'"));
    }

    [Test]
    public async Task Import_ShadowedPool_AnswersTheWarnings()
    {
        var json = """{"llms":[{"id":"a","baseUrl":"http://127.0.0.1:9/v1","apiKey":"sk-secret-a"}],"routers":[""" + ShadowedRouter + """],"apps":[]}""";

        using var response = await Host.SendAdminAsync(HttpMethod.Post, "/import", json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(Warnings(response), Has.Length.EqualTo(2).And.Some.Contain("pool 'mini' can never match"));
    }
}
