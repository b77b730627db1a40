using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;

namespace ModelRouter.AdminUi.Tests;

/// <summary>
/// One Chromium per fixture (Debian's <c>/usr/bin/chromium</c>, or <c>MODELROUTER_TEST_CHROMIUM</c>), driven by Playwright; no
/// browser is downloaded. Each tab records its console errors and uncaught page errors.
/// </summary>
internal sealed class AdminUiBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly Uri _baseAddress;

    private AdminUiBrowser(IPlaywright playwright, IBrowser browser, Uri baseAddress)
    {
        _playwright = playwright;
        Browser = browser;
        _baseAddress = baseAddress;
    }

    public IBrowser Browser { get; }

    /// <summary>Gets every console error and page error of every tab, as "page: text".</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public static string ExecutablePath => Environment.GetEnvironmentVariable("MODELROUTER_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<AdminUiBrowser> LaunchAsync(Uri baseAddress)
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail($"Chromium is not installed at {ExecutablePath}: run .ci/services (apt-get install chromium) first.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container has no user namespaces for Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new AdminUiBrowser(playwright, browser, baseAddress);
    }

    /// <summary>A new tab in a fresh context (its own sessionStorage), at 1280x800 unless told.</summary>
    public async Task<IPage> NewTabAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        Watch(page);
        return page;
    }

    /// <summary>Another tab in the same context.</summary>
    public async Task<IPage> OtherTabAsync(IPage page)
    {
        var other = await page.Context.NewPageAsync();
        Watch(other);
        return other;
    }

    private void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Errors.Enqueue($"{page.Url}: uncaught {error}");
    }

    /// <summary>Removes and returns the errors recorded so far.</summary>
    public List<string> TakeErrors()
    {
        var taken = new List<string>();
        while (Errors.TryDequeue(out var error))
        {
            taken.Add(error);
        }

        return taken;
    }

    public static string Px(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
