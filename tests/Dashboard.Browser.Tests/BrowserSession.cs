using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.Browser.Tests;

/// <summary>Headless Debian Chromium driven by Playwright, with screenshots kept under tests/screenshots.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    readonly IPlaywright _playwright;
    readonly IBrowser _browser;

    BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <param name="extraArgs">More Chromium switches (a host resolver rule, say).</param>
    public static async Task<BrowserSession> LaunchAsync(params string[] extraArgs)
    {
        await Chromium.EnsureInstalledAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = [.. Chromium.Args, .. extraArgs],
        });
        return new BrowserSession(playwright, browser);
    }

    public async Task<IBrowserContext> NewContextAsync(int width = 1440, int height = 900) =>
        await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });

    public async Task<IPage> NewPageAsync(int width = 1440, int height = 900)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        return await context.NewPageAsync();
    }

    public static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(DashboardProcess.RepositoryRoot, "tests", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name + ".png");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
