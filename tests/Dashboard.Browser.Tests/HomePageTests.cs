namespace Dashboard.Browser.Tests;

public class HomePageTests
{
    [Fact]
    public async Task The_dashboard_starts_on_the_embedded_cluster_and_says_how_to_reach_it_with_kubectl()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(dashboard.Url.ToString());
        await page.GetByText("kubectl --kubeconfig").WaitForAsync();
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("home") });

        Assert.Contains("Embedded", await page.InnerTextAsync("body"));
        Assert.Contains(dashboard.Kubeconfig, await page.InnerTextAsync("body"));
    }
}
