using Microsoft.Playwright;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>The guard as the ops room sees it: a bad version rolled back by itself, said on the wall and the deployment page.</summary>
public class GuardTests
{
    static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [Fact]
    public async Task A_guarded_rollout_that_crash_loops_is_rolled_back_and_the_wall_says_why()
    {
        await using var dashboard = await DashboardProcess.StartAsync(timeScale: 0.5);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1440, 900);
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);

        // The operator switches the guard on from the deployment page.
        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await page.Locator(".guard-panel[data-guard='Off']").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator(".guard-mode").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Roll back" }).ClickAsync();
        await page.Locator(".guard-seconds input").FillAsync("5");
        await page.Locator(".guard-save").ClickAsync();
        await page.Locator(".guard-panel[data-guard='Rollback']").WaitForAsync(new() { Timeout = 10_000 });

        await page.GotoAsync(new Uri(dashboard.Url, "wall").ToString());
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash")).ExitCode);

        var alarm = page.Locator("[data-tile='default/flask-app'] .guard-alarm");
        await alarm.WaitForAsync(new() { Timeout = 30_000 });
        await Expect(alarm).ToContainTextAsync("guard rolled back flask-app to revision 1:");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("wall-guard") });

        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await Expect(page.Locator(".guard-card [data-guard-action='Rollback']")).ToContainTextAsync("guard rolled back flask-app to revision 1:", new() { Timeout = 10_000 });
        await Expect(page.Locator("tr[data-pod][data-ready='true']")).ToHaveCountAsync(5, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-guard"), FullPage = true });
    }
}
