using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelRouter.AdminUi.Tests;

/// <summary>
/// The admin UI in a real Chromium against a gateway on 127.0.0.1 (SQLite store, chat endpoint, admin API, admin UI) whose
/// LLMs are fake vendors on loopback. One browser for the fixture; a fresh context (own sessionStorage) per test.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AdminUiBrowserTests
{
    private const string AppKey = "ui-tests-app-key-0123";
    private const string Ui = "/admin/ui/";

    private string _directory = null!;
    private FakeVendor _seed = null!;
    private FakeVendor _alpha = null!;
    private RouterHost _host = null!;
    private AdminUiBrowser _browser = null!;
    private readonly Stopwatch _elapsed = new();

    [OneTimeSetUp]
    public async Task Start()
    {
        _elapsed.Start();
        _directory = Directory.CreateTempSubdirectory("modelrouter-ui-").FullName;
        _seed = await FakeVendor.StartAsync("seed");
        _alpha = await FakeVendor.StartAsync("alpha");
        _host = await RouterHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["ModelRouter:store:kind"] = "sqlite",
                ["ModelRouter:store:connectionString"] = $"Data Source={Path.Combine(_directory, "ui.db")}",
                ["ModelRouter:llms:0:id"] = "seed",
                ["ModelRouter:llms:0:baseUrl"] = _seed.BaseUrl,
                ["ModelRouter:routers:0:slug"] = "seeded",
                ["ModelRouter:routers:0:name"] = "Seeded <b>router</b>",
                ["ModelRouter:routers:0:pools:0:name"] = "all",
                ["ModelRouter:routers:0:pools:0:vendors:0:llm"] = "seed",
                ["ModelRouter:apps:0:name"] = "tester",
                ["ModelRouter:apps:0:apiKey"] = AppKey,
                ["ModelRouter:apps:0:routers:0"] = "*",
            },
            adminUi: true);
        _browser = await AdminUiBrowser.LaunchAsync(_host.Address);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await _host.DisposeAsync();
        await _seed.DisposeAsync();
        await _alpha.DisposeAsync();
        TestContext.Progress.WriteLine($"Admin UI browser suite: {_elapsed.Elapsed.TotalSeconds:F1} s");
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private static ILocator Field(IPage page, string path) => page.Locator($"[data-path=\"{path}\"]");

    private static ILocator ErrorFor(IPage page, string path) => page.Locator($"[data-error-for=\"{path}\"]");

    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    private static ILocator Heading(IPage page, string name) => page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true, Level = 1 });

    private async Task<IPage> SignedInTabAsync(int width = 1280, int height = 800)
    {
        var page = await _browser.NewTabAsync(width, height);
        await SignInAsync(page);
        return page;
    }

    private static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(Ui);
        await page.GetByLabel("Admin key").FillAsync(RouterHost.AdminKey);
        await Button(page, "Sign in").ClickAsync();
        await Expect(Heading(page, "Routers")).ToBeVisibleAsync();
    }

    private async Task CreateRouterAsync(string slug)
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Post, "/routers",
            $$"""{"slug":"{{slug}}","name":"{{slug}}","description":"Made by the test","pools":[{"name":"all","modelPattern":"*","vendors":[{"llm":"seed"}]}]}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> AdminJsonAsync(string path)
    {
        using var response = await _host.SendAdminAsync(HttpMethod.Get, path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpStatusCode> ChatStatusAsync(string slug, string appKey = AppKey)
    {
        using var response = await _host.ChatAsync(slug, "gpt-4o", appKey);
        return response.StatusCode;
    }

    [Test]
    public async Task SignIn_CreateLlmRouterWithTwoPoolsAndAMappedVendor_TryItStreamsTheAnswerAndNamesTheServingLlm()
    {
        var page = await SignedInTabAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "LLMs", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New LLM" }).ClickAsync();
        await Field(page, "id").FillAsync("alpha");
        await Field(page, "baseUrl").FillAsync(_alpha.BaseUrl);
        await Field(page, "apiKey").FillAsync("sk-alpha-secret-0123456789");
        await Button(page, "Create LLM").ClickAsync();
        await Expect(Heading(page, "LLM alpha")).ToBeVisibleAsync();
        await Expect(page.GetByText("A key is stored (never shown).")).ToBeVisibleAsync();
        Assert.That(await page.ContentAsync(), Does.Not.Contain("sk-alpha-secret"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Routers", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New router" }).ClickAsync();
        await Field(page, "slug").FillAsync("ui-two");
        await Field(page, "name").FillAsync("Two pools");
        await Button(page, "Add pool").ClickAsync();
        await Field(page, "pools[0].name").FillAsync("claude");
        await Field(page, "pools[0].modelPattern").FillAsync("claude-*");
        await Field(page, "pools[0].priority").FillAsync("10");
        await Button(page, "Add pool").ClickAsync();
        await Field(page, "pools[1].name").FillAsync("everything");
        await Button(page, "Add vendor to pool everything").ClickAsync();
        await Field(page, "pools[1].vendors[0].llm").SelectOptionAsync("alpha");
        await Button(page, "Add mapping to vendor 1").ClickAsync();
        await Field(page, "pools[1].vendors[0].modelMappings[0].source").FillAsync("gpt-4o");
        await Field(page, "pools[1].vendors[0].modelMappings[0].target").FillAsync("alpha-large");
        await Button(page, "Create router").ClickAsync();
        await Expect(Heading(page, "Router ui-two")).ToBeVisibleAsync();

        var router = await AdminJsonAsync("/routers/ui-two");
        var pools = router.GetProperty("pools");
        Assert.That(pools.GetArrayLength(), Is.EqualTo(2));
        Assert.That(pools[0].GetProperty("priority").GetInt32(), Is.EqualTo(10));
        var vendor = pools[1].GetProperty("vendors")[0];
        Assert.That(vendor.GetProperty("llm").GetString(), Is.EqualTo("alpha"));
        Assert.That(vendor.GetProperty("modelMappings")[0].GetProperty("target").GetString(), Is.EqualTo("alpha-large"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Try it", Exact = true }).Last.ClickAsync();
        await Expect(Heading(page, "Try it")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Router")).ToHaveValueAsync("ui-two");
        await page.GetByLabel("Model").FillAsync("gpt-4o");
        await Button(page, "Explain").ClickAsync();
        await Expect(page.Locator(".result strong").First).ToHaveTextAsync("everything");
        await Expect(page.Locator(".candidates")).ToHaveTextAsync("alpha");
        await Expect(page.Locator(".result")).ToContainTextAsync("claude-*");

        await page.GetByLabel("App key").FillAsync(AppKey);
        await Button(page, "Send").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Done." })).ToBeVisibleAsync();
        await Expect(page.Locator(".answer")).ToHaveTextAsync("reply from alpha ");
        await Expect(page.Locator("[data-header=\"x-model-router-vendor\"]")).ToHaveTextAsync("alpha");
        await Expect(page.Locator("[data-header=\"x-model-router-trail\"]")).ToHaveTextAsync("alpha=ok");
        var sent = _alpha.Requests.Last();
        Assert.Multiple(() =>
        {
            Assert.That(sent.Stream, Is.True, "the test prompt is streamed");
            Assert.That(sent.Model, Is.EqualTo("alpha-large"), "the mapping made in the editor is used");
        });
    }

    [Test]
    public async Task RouterEditor_ErrorsShowNextToTheirField_AsYouTypeAndFromTheServersProblem_AndAShadowedPoolIsWarned()
    {
        var page = await SignedInTabAsync();
        await page.GotoAsync(Ui + "#/routers/new");
        await Field(page, "slug").FillAsync("ui-invalid");
        await Button(page, "Add pool").ClickAsync();
        await Field(page, "pools[0].name").FillAsync("all");
        await Button(page, "Add pool").ClickAsync();
        await Field(page, "pools[1].name").FillAsync("gpt");
        await Field(page, "pools[1].modelPattern").FillAsync("gpt-*");
        await Expect(page.Locator("[data-warning-for=\"pools[1].modelPattern\"]")).ToContainTextAsync("never matches: pool all (priority 0)");

        await Button(page, "Add vendor to pool all").ClickAsync();
        await Field(page, "pools[0].vendors[0].llm").SelectOptionAsync("seed");
        var weight = Field(page, "pools[0].vendors[0].weight");
        await weight.FillAsync("-1");
        // As you type: the UI's own rule.
        await Expect(ErrorFor(page, "pools[0].vendors[0].weight")).ToHaveTextAsync("Weight is a whole number, 0 or more (0 takes no traffic).");

        await Button(page, "Create router").ClickAsync();
        // On save: the server's problem+json error keyed pools[0].vendors[0].weight, next to that field.
        await Expect(ErrorFor(page, "pools[0].vendors[0].weight")).ToContainTextAsync("weight must be 0 or more (got -1)");
        await Expect(weight).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(weight).ToBeFocusedAsync();
        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/routers/ui-invalid");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task ConcurrentEdit_InTwoTabs_TheSecondSaveShowsTheConflictAndReloads()
    {
        await CreateRouterAsync("ui-conflict");
        var first = await SignedInTabAsync();
        var second = await _browser.OtherTabAsync(first);
        await SignInAsync(second);
        await first.GotoAsync(Ui + "#/routers/ui-conflict");
        await second.GotoAsync(Ui + "#/routers/ui-conflict");
        await Expect(Heading(second, "Router ui-conflict")).ToBeVisibleAsync();
        await Expect(Field(second, "description")).ToHaveValueAsync("Made by the test");

        await Field(first, "name").FillAsync("First edit");
        await Button(first, "Save router").ClickAsync();
        await Expect(first.Locator("#toast")).ToContainTextAsync("saved");

        await Field(second, "description").FillAsync("Second edit");
        await Button(second, "Save router").ClickAsync();
        await Expect(second.Locator(".conflict")).ToContainTextAsync("changed by someone else");

        var stored = await AdminJsonAsync("/routers/ui-conflict");
        Assert.That(stored.GetProperty("name").GetString(), Is.EqualTo("First edit"));
        Assert.That(stored.GetProperty("description").GetString(), Is.Not.EqualTo("Second edit"), "no silent overwrite");

        await Button(second, "Reload").ClickAsync();
        await Expect(Field(second, "name")).ToHaveValueAsync("First edit");
        await Expect(second.Locator(".conflict")).ToBeHiddenAsync();
    }

    [Test]
    public async Task DeactivateRouterInTheList_EndpointAnswers404_ThenDeleteAfterConfirmation()
    {
        await CreateRouterAsync("ui-toggle");
        Assert.That(await ChatStatusAsync("ui-toggle"), Is.EqualTo(HttpStatusCode.OK));
        var page = await SignedInTabAsync();

        await page.GetByLabel("Search").FillAsync("toggle");
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await page.GetByLabel("Router ui-toggle active").UncheckAsync();
        await Expect(page.Locator("#toast")).ToContainTextAsync("Router ui-toggle is inactive.");
        Assert.That(await ChatStatusAsync("ui-toggle"), Is.EqualTo(HttpStatusCode.NotFound));

        await page.GetByRole(AriaRole.Link, new() { Name = "ui-toggle", Exact = true }).ClickAsync();
        await Button(page, "Delete router").ClickAsync();
        var dialog = page.Locator("dialog");
        await Expect(dialog).ToContainTextAsync("Delete router?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.That((await AdminJsonAsync("/routers/ui-toggle")).GetProperty("slug").GetString(), Is.EqualTo("ui-toggle"));

        await Button(page, "Delete router").ClickAsync();
        await page.Locator("dialog").GetByRole(AriaRole.Button, new() { Name = "Delete router" }).ClickAsync();
        await Expect(Heading(page, "Routers")).ToBeVisibleAsync();
        using var response = await _host.SendAdminAsync(HttpMethod.Get, "/routers/ui-toggle");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task NewApp_KeyIsShownOnceWithCopy_AndNeverAgain_RotateShowsANewOne()
    {
        var page = await SignedInTabAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Apps", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New app" }).ClickAsync();
        await Field(page, "name").FillAsync("ui-app");
        await page.GetByLabel("seeded", new() { Exact = true }).CheckAsync();
        await Button(page, "Create app").ClickAsync();

        var keyBox = page.Locator(".key-once input");
        await Expect(keyBox).ToBeVisibleAsync();
        var key = await keyBox.InputValueAsync();
        Assert.That(key, Does.StartWith("mr-").And.Length.GreaterThan(40));
        Assert.That(await ChatStatusAsync("seeded", key), Is.EqualTo(HttpStatusCode.OK), "the key shown works");
        await Button(page, "Copy key").ClickAsync();
        await Expect(page.GetByText("Copied.")).ToBeVisibleAsync();
        Assert.That(await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"), Is.EqualTo(key));

        await Button(page, "Done, I saved it").ClickAsync();
        await Expect(Heading(page, "App ui-app")).ToBeVisibleAsync();
        Assert.That(await page.ContentAsync(), Does.Not.Contain(key));
        await page.ReloadAsync();
        await Expect(Heading(page, "App ui-app")).ToBeVisibleAsync();
        Assert.That(await page.ContentAsync(), Does.Not.Contain(key));
        await page.GotoAsync(Ui + "#/apps");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "ui-app" })).ToBeVisibleAsync();
        Assert.That(await page.ContentAsync(), Does.Not.Contain(key));
        Assert.That((await AdminJsonAsync("/apps/ui-app")).GetRawText(), Does.Not.Contain(key));

        await page.GetByRole(AriaRole.Link, new() { Name = "ui-app" }).ClickAsync();
        await Button(page, "Rotate key").ClickAsync();
        await page.Locator("dialog").GetByRole(AriaRole.Button, new() { Name = "Rotate key" }).ClickAsync();
        await Expect(keyBox).ToBeVisibleAsync();
        var rotated = await keyBox.InputValueAsync();
        Assert.That(rotated, Is.Not.EqualTo(key));
        Assert.That(await ChatStatusAsync("seeded", key), Is.EqualTo(HttpStatusCode.Unauthorized), "the old key stops working");
        Assert.That(await ChatStatusAsync("seeded", rotated), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task RouterEditor_KeyboardOnly_CreatesAndReordersPools_WithVisibleFocus()
    {
        var page = await _browser.NewTabAsync();
        await page.GotoAsync(Ui);
        await Expect(page.GetByLabel("Admin key")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(RouterHost.AdminKey);
        await page.Keyboard.PressAsync("Enter");
        await Expect(Heading(page, "Routers")).ToBeVisibleAsync();

        await TabToAsync(page, "New router");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Field(page, "slug")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("ui-keys");
        await TabToAsync(page, "Add pool");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Field(page, "pools[0].name")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("kb");
        await TabToAsync(page, "Add vendor to pool kb");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Field(page, "pools[0].vendors[0].llm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(Field(page, "pools[0].vendors[0].weight")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("3");
        await TabToAsync(page, "Add pool");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Field(page, "pools[1].name")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("second");
        await TabToAsync(page, "Move pool second up");
        await page.Keyboard.PressAsync("Enter");
        // The moved pool keeps focus (now first, so on its "down" button).
        await Expect(page.Locator("[data-focus=\"pools[0].down\"]")).ToBeFocusedAsync();
        await TabToAsync(page, "Create router");
        await page.Keyboard.PressAsync("Enter");
        await Expect(Heading(page, "Router ui-keys")).ToBeVisibleAsync();

        var pools = (await AdminJsonAsync("/routers/ui-keys")).GetProperty("pools");
        Assert.That(pools.GetArrayLength(), Is.EqualTo(2));
        Assert.That(pools[0].GetProperty("name").GetString(), Is.EqualTo("second"));
        Assert.That(pools[1].GetProperty("name").GetString(), Is.EqualTo("kb"));
        Assert.That(pools[1].GetProperty("vendors")[0].GetProperty("weight").GetInt32(), Is.EqualTo(3));

        // Escape closes the delete confirmation and deletes nothing.
        await TabToAsync(page, "Delete router");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
        Assert.That((await AdminJsonAsync("/routers/ui-keys")).GetProperty("slug").GetString(), Is.EqualTo("ui-keys"));
    }

    /// <summary>Presses Tab until the focused element's accessible text is <paramref name="name"/>, checking that every stop shows its focus.</summary>
    private static async Task TabToAsync(IPage page, string name)
    {
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string[]>("""
                () => {
                  const e = document.activeElement;
                  const style = getComputedStyle(e);
                  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] ? e.labels[0].textContent : '') || e.textContent;
                  return [label.trim(), style.outlineStyle, style.outlineWidth, e.tagName];
                }
                """);
            if (focused[3] == "BODY")
            {
                // Tab went past the last element of the page, into the browser's own controls.
                continue;
            }

            Assert.That(focused[1] != "none" && focused[2] != "0px", Is.True, $"focus is not visible on {focused[3]} '{focused[0]}'");
            if (focused[0] == name)
            {
                return;
            }
        }

        Assert.Fail($"'{name}' was not reached with Tab");
    }

    [Test]
    public async Task LiveView_RefreshesTheRoutersCountsEveryFewSeconds()
    {
        var page = await SignedInTabAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Live", Exact = true }).ClickAsync();
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "seeded", Exact = true }) });
        var requests = row.Locator("td").Nth(2);

        // The first refresh fills the table: read the count once it is a number.
        await Expect(requests).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+$"), new() { Timeout = 8000 });
        var before = int.Parse(await requests.TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);

        Assert.That(await ChatStatusAsync("seeded"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ChatStatusAsync("seeded"), Is.EqualTo(HttpStatusCode.OK));

        await Expect(requests).ToHaveTextAsync((before + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 8000 });
        await Expect(page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "seed", Exact = true }) })).ToContainTextAsync("healthy");
    }

    [Test]
    public async Task Csp_IsSentAndEnforced_ServerTextIsNeverMarkup()
    {
        var page = await _browser.NewTabAsync();
        var response = await page.GotoAsync(Ui);
        var headers = await response!.AllHeadersAsync();
        Assert.That(headers["content-security-policy"], Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'"));
        Assert.That(headers["x-content-type-options"], Is.EqualTo("nosniff"));
        Assert.That(headers["referrer-policy"], Is.EqualTo("no-referrer"));

        // The browser refuses an inline script added to the page.
        var ran = await page.EvaluateAsync<bool>("""
            () => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.head.append(s); return window.inlineRan === true; }
            """);
        Assert.That(ran, Is.False, "CSP blocks inline scripts");
        var refused = _browser.TakeErrors();
        Assert.That(refused, Has.Some.Contains("Content Security Policy"), "the refusal is the CSP's");

        // A router name holding markup shows as text.
        await SignInAsync(page);
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Seeded <b>router</b>" })).ToBeVisibleAsync();
        Assert.That(await page.Locator("main b").CountAsync(), Is.Zero);
    }

    [Test]
    public async Task EveryPage_AtDesktopAndPhoneWidth_HasNoConsoleErrors_CarriesTheCsp_AndIsScreenshotted()
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        _browser.TakeErrors();
        (string Name, string Hash, string Heading)[] pages =
        [
            ("routers", "#/routers", "Routers"),
            ("router-editor", "#/routers/seeded", "Router seeded"),
            ("router-new", "#/routers/new", "New router"),
            ("llms", "#/llms", "LLMs"),
            ("llm-editor", "#/llms/seed", "LLM seed"),
            ("llm-new", "#/llms/new", "New LLM"),
            ("apps", "#/apps", "Apps"),
            ("app-editor", "#/apps/tester", "App tester"),
            ("app-new", "#/apps/new", "New app"),
            ("try-it", "#/try/seeded", "Try it"),
            ("live", "#/live", "Live"),
            ("import-export", "#/transfer", "Import / export"),
        ];
        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            var size = $"{AdminUiBrowser.Px(width)}x{AdminUiBrowser.Px(height)}";
            var page = await _browser.NewTabAsync(width, height);
            var signIn = await page.GotoAsync(Ui + "?page=sign-in");
            Assert.That((await signIn!.AllHeadersAsync()).ContainsKey("content-security-policy"), Is.True);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            await Shot(page, folder, $"sign-in-{size}");
            await page.GetByLabel("Admin key").FillAsync(RouterHost.AdminKey);
            await Button(page, "Sign in").ClickAsync();
            await Expect(Heading(page, "Routers")).ToBeVisibleAsync();

            foreach (var (name, hash, heading) in pages)
            {
                // A full load per page (the query differs), so that each document's own headers are checked.
                var response = await page.GotoAsync($"{Ui}?page={name}{hash}");
                var headers = await response!.AllHeadersAsync();
                Assert.That(headers.TryGetValue("content-security-policy", out var csp) && csp.Contains("default-src 'none'", StringComparison.Ordinal), Is.True, name);
                await Expect(Heading(page, heading)).ToBeVisibleAsync();
                if (name == "try-it")
                {
                    await Button(page, "Explain").ClickAsync();
                    await Expect(page.Locator(".candidates")).ToHaveTextAsync("seed");
                    await page.GetByLabel("App key").FillAsync(AppKey);
                    await Button(page, "Send").ClickAsync();
                    await Expect(page.Locator(".answer")).ToHaveTextAsync("reply from seed ");
                }

                await Shot(page, folder, $"{name}-{size}");
            }

            await page.Context.CloseAsync();
        }

        Assert.That(_browser.TakeErrors(), Is.Empty, "console errors");
    }

    private static async Task Shot(IPage page, string folder, string name)
    {
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path);
    }
}
