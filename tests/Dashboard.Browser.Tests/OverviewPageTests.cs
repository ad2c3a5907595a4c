namespace Dashboard.Browser.Tests;

public class OverviewPageTests
{
    [Fact]
    public async Task The_overview_lists_the_seed_deployments_live_with_their_rollout_state()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(dashboard.Url.ToString());
        await page.Locator("[data-deployment='default/flask-app'][data-state='Complete']").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator("[data-deployment='cloud/cloud-communal-service'][data-state='Complete']").WaitForAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("overview") });

        var flask = await page.Locator("[data-deployment='default/flask-app']").InnerTextAsync();
        Assert.Contains("5/5", flask);
        Assert.Contains("docker.io/library/flask-app:1.0", flask);

        // A rollout started elsewhere (kubectl) shows up by itself, sorted first while it runs.
        var set = await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/cloud-communal-service",
            "cloud-communal-service=registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:broken", "-n", "cloud");
        Assert.Equal(0, set.ExitCode);
        await page.Locator("tbody tr:first-child[data-deployment='cloud/cloud-communal-service'][data-state='Stuck']").WaitForAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("overview-stuck") });

        await page.GetByLabel("Search").FillAsync("flask");
        await page.Locator("[data-deployment='cloud/cloud-communal-service']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.Equal(1, await page.Locator("tbody tr[data-deployment]").CountAsync());
    }
}
