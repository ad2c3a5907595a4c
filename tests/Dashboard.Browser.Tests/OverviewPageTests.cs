using Dashboard.Testing;
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

public class HostingTests
{
    [Fact]
    public async Task A_build_run_in_Production_on_ASPNETCORE_URLS_serves_its_styles_and_scripts()
    {
        // As `dotnet run --no-launch-profile` or a service manager runs it: no launch profile, no Development.
        await using var dashboard = await DashboardProcess.StartAsync(settings: new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();

        var response = await page.GotoAsync(dashboard.Url.ToString());
        Assert.Equal(200, response!.Status);
        await page.Locator("[data-deployment='default/flask-app']").WaitForAsync(new() { Timeout = 30_000 });
        // MudBlazor's stylesheet applied (the app bar is fixed, not a giant icon in the flow) and Blazor's script started a circuit.
        Assert.Equal("fixed", await page.EvalOnSelectorAsync<string>(".mud-appbar", "e => getComputedStyle(e).position"));
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined && !document.querySelector('.page-body[inert]')", null, new() { Timeout = 30_000 });
        foreach (var asset in new[] { "_content/MudBlazor/MudBlazor.min.css", "_framework/blazor.web.js" })
            Assert.Equal(200, (await page.APIRequest.GetAsync(new Uri(dashboard.Url, asset).ToString())).Status);
    }
}
