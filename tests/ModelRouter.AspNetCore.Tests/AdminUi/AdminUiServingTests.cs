using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using ModelRouter.AspNetCore.AdminUi;
using ModelRouter.Configuration;

namespace ModelRouter.AspNetCore.Tests.AdminUi;

/// <summary>The admin UI's files as <c>MapModelRouterAdminUi</c> serves them: from the assembly, with the security headers on every answer.</summary>
[TestFixture]
public sealed partial class AdminUiServingTests
{
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task StartHost()
        => _host = await RouterHost.StartInMemoryAsync(
            o =>
            {
                o.AdminApiKey = RouterHost.AdminKey;
                o.Llms.Add(new LlmConfig { Id = "a", BaseUrl = "http://127.0.0.1:9/v1" });
                o.Routers.Add(new RouterConfig { Slug = "prod", Pools = [new PoolConfig { Name = "all", Vendors = [new VendorConfig { Llm = "a" }] }] });
            },
            new HttpClientHandler(),
            configurePipeline: app =>
            {
                app.MapModelRouterAdmin("/manage");
                app.MapModelRouterAdminUi("/manage/ui", o => { o.AdminApiPath = "/manage"; o.RouterPath = "/r\"<x>"; });
            });

    [OneTimeTearDown]
    public async Task StopHost() => await _host.DisposeAsync();

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Multiple(() =>
        {
            Assert.That(csp, Does.Contain("default-src 'none'"));
            Assert.That(csp, Does.Contain("script-src 'self'"));
            Assert.That(csp, Does.Contain("style-src 'self'"));
            Assert.That(csp, Does.Contain("frame-ancestors 'none'"));
            Assert.That(csp, Does.Not.Contain("unsafe-inline").And.Not.Contain("unsafe-eval").And.Not.Contain("*"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(response.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("no-referrer"));
            Assert.That(response.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        });
    }

    [Test]
    public async Task Index_ServedWithSecurityHeadersAndThisHostsPaths()
    {
        using var response = await _host.Client.GetAsync("/manage/ui/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        AssertSecurityHeaders(response);
        Assert.That(html, Does.Contain("""<meta name="modelrouter-admin-api" content="/manage">"""));
        // The configured path is HTML-encoded into the page, never pasted as markup.
        Assert.That(html, Does.Contain("""content="/r&quot;&lt;x&gt;">"""));
        Assert.That(html, Does.Not.Contain("{{"));
    }

    [Test]
    public async Task EveryFile_ServedWithItsTypeAndTheSecurityHeaders()
    {
        var assets = new AdminUiAssets("/admin", "/router");
        Assert.That(assets.Paths, Is.SupersetOf(new[] { "index.html", "app.js", "app.css", "api.js", "dom.js", "routers.js", "llms.js", "apps.js", "live.js", "tryit.js", "transfer.js", "favicon.svg" }));
        foreach (var path in assets.Paths)
        {
            using var response = await _host.Client.GetAsync($"/manage/ui/{path}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            AssertSecurityHeaders(response);
            var expected = Path.GetExtension(path) switch
            {
                ".js" => "text/javascript",
                ".css" => "text/css",
                ".html" => "text/html",
                ".svg" => "image/svg+xml",
                _ => "?",
            };
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(expected), path);
            Assert.That(response.Headers.ETag, Is.Not.Null, path);
        }
    }

    [Test]
    public async Task UnknownFile_Is404WithTheSecurityHeaders()
    {
        using var response = await _host.Client.GetAsync("/manage/ui/nothing.js");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        AssertSecurityHeaders(response);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
    }

    [Test]
    public async Task PrefixWithoutSlash_RedirectsUnderThePrefix()
    {
        using var response = await _host.Client.GetAsync("/manage/ui");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/manage/ui/"));
        AssertSecurityHeaders(response);
    }

    [Test]
    public async Task SameETag_Is304()
    {
        using var first = await _host.Client.GetAsync("/manage/ui/app.js");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/manage/ui/app.js");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await _host.Client.SendAsync(request);

        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        AssertSecurityHeaders(second);
    }

    [Test]
    public async Task Head_SendsHeadersWithoutBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/manage/ui/app.css");
        using var response = await _host.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        AssertSecurityHeaders(response);
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task Post_IsNotServed()
    {
        using var response = await _host.Client.PostAsync("/manage/ui/app.js", new StringContent("x"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public void Files_HaveNoInlineScriptOrStyle_AndNeverParseText()
    {
        var assets = new AdminUiAssets("/admin", "/router");
        foreach (var path in assets.Paths)
        {
            assets.TryGet(path, out var asset);
            var text = Encoding.UTF8.GetString(asset.Content);
            if (path.EndsWith(".html", StringComparison.Ordinal))
            {
                // Every script has a src; no style element or attribute; no event handler attribute.
                Assert.That(ScriptWithoutSrc().IsMatch(text), Is.False, $"{path}: inline script");
                Assert.That(text, Does.Not.Contain("<style").And.Not.Contain(" style="), $"{path}: inline style");
                Assert.That(HandlerAttribute().IsMatch(text), Is.False, $"{path}: inline event handler");
                Assert.That(text, Does.Not.Contain("http://").And.Not.Contain("https://"), $"{path}: nothing from another origin");
            }

            if (path.EndsWith(".js", StringComparison.Ordinal))
            {
                // Server text goes into the page as text only.
                Assert.That(text, Does.Not.Contain("innerHTML").And.Not.Contain("outerHTML").And.Not.Contain("insertAdjacentHTML")
                    .And.Not.Contain("document.write").And.Not.Contain("eval(").And.Not.Contain("new Function"), path);
                Assert.That(text, Does.Not.Contain(".style.").And.Not.Contain("setAttribute('style'"), $"{path}: inline style");
            }
        }
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptWithoutSrc();

    [GeneratedRegex(@"<[^>]+\son[a-z]+=", RegexOptions.IgnoreCase)]
    private static partial Regex HandlerAttribute();
}
