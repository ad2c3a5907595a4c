using Microsoft.Playwright;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>The ops-room wall and the zero-downtime evidence, as the room and an operator see them.</summary>
public class WallAndProbeTests
{
    static readonly LocatorWaitForOptions Soon = new() { Timeout = 45_000 };

    static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [Fact]
    public async Task The_wall_shows_a_rollout_large_and_comes_back_live_by_itself_after_the_dashboard_restarts()
    {
        await using var dashboard = await DashboardProcess.StartAsync(timeScale: 1.0, persistent: true);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1920, 1080);
        await page.GotoAsync(new Uri(dashboard.Url, "wall").ToString());
        await page.Locator("[data-tile='default/flask-app'][data-state='Complete']").WaitForAsync(Soon);
        await page.Locator("[data-tile='cloud/cloud-communal-service'][data-state='Complete']").WaitForAsync(Soon);

        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0")).ExitCode);
        var tile = page.Locator("[data-tile='default/flask-app'][data-size='large']");
        await tile.WaitForAsync(Soon);
        await Expect(tile.Locator(".tile-status")).ToContainTextAsync("Waiting for deployment \"flask-app\" rollout to finish");
        await tile.Locator("[data-elapsed]").WaitForAsync(Soon);
        await tile.Locator("[data-chart='wall-timeline']").WaitForAsync(Soon);
        // Who changed it, from managedFields.
        await Expect(tile.Locator(".tile-changed-by")).ToHaveAttributeAsync("data-changed-by", "kubectl-set");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("wall-rollout") });
        await page.Locator("[data-tile='default/flask-app'][data-state='Complete']").WaitForAsync(Soon);

        // Legible without scrolling at 1920x1080.
        Assert.True(await page.EvaluateAsync<bool>("() => document.scrollingElement.scrollHeight <= window.innerHeight"), "the wall never scrolls");

        // A stuck rollout is impossible to miss.
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/cloud-communal-service", "-n", "cloud",
            "cloud-communal-service=registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:broken")).ExitCode);
        var stuck = page.Locator("[data-tile='cloud/cloud-communal-service'][data-state='Stuck']");
        await stuck.WaitForAsync(Soon);
        await Expect(stuck.Locator(".tile-alarm[role='alert']")).ToContainTextAsync("ImagePullBackOff", new() { Timeout = 45_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("wall-stuck") });

        // The dashboard goes away and comes back; nobody touches the screen.
        await dashboard.RestartAsync(TimeSpan.FromSeconds(3));
        await page.Locator("#components-reconnect-modal").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator(".wall-freshness[data-connection='Live']").WaitForAsync(new() { Timeout = 90_000 });
        await page.Locator("[data-tile='cloud/cloud-communal-service'][data-state='Stuck']").WaitForAsync(Soon);

        // Live again: a change made now shows up.
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "rollout", "undo", "deployment/cloud-communal-service", "-n", "cloud")).ExitCode);
        await page.Locator("[data-tile='cloud/cloud-communal-service']:not([data-state='Stuck'])").WaitForAsync(Soon);
    }

    [Fact]
    public async Task The_safety_check_flags_the_second_articles_settings_and_the_probe_proves_the_fix()
    {
        await using var dashboard = await DashboardProcess.StartAsync(timeScale: 1.0);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1440, 1400);
        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/cloud/deployments/cloud-communal-service").ToString());
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);

        // The safety check names what makes the article's rollout noticeable.
        foreach (var risk in new[] { "all-pods-unavailable", "no-readiness-probe:cloud-communal-service", "no-prestop:cloud-communal-service", "pull-always:cloud-communal-service" })
            await page.Locator($".safety-card [data-risk='{risk}']").WaitForAsync(Soon);

        // Probe, then roll out as the article does.
        await page.GetByRole(AriaRole.Button, new() { Name = "Start probe" }).ClickAsync();
        await Expect(page.Locator("[data-answer='Hello v1!']")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await SetImageAsync(page, "registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1", expectRiskWarning: true);
        await Expect(page.Locator("[data-verdict-revision='2']")).ToHaveClassAsync("bad", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-verdict-revision='2']")).ToContainTextAsync("failed request");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("probe-unsafe"), FullPage = true });

        // The fix the safety check suggests: a readiness probe, a preStop hook, maxUnavailable 0.
        var fix = await Kubectl.RunAsync(dashboard.Kubeconfig, "patch", "deployment/cloud-communal-service", "-n", "cloud", "--type=strategic", "-p", """
            {"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":1}},
             "template":{"spec":{"containers":[{"name":"cloud-communal-service",
               "readinessProbe":{"httpGet":{"path":"/","port":18080},"periodSeconds":1},
               "lifecycle":{"preStop":{"sleep":{"seconds":5}}}}]}}}}
            """);
        Assert.True(fix.ExitCode == 0, fix.Stderr);
        await page.Locator(".safety-card [data-risk='no-prestop:cloud-communal-service']").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 45_000 });
        Assert.Equal(0, await page.Locator(".safety-card [data-risk='all-pods-unavailable']").CountAsync());
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=90s")).ExitCode);
        await page.Locator("tr[data-pod][data-status='Terminating']").First.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 45_000 });
        await page.WaitForTimeoutAsync(12_000); // past the tail in which the fix's own rollout (old pods without preStop) is counted

        await SetImageAsync(page, "registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.2", expectRiskWarning: false);
        await Expect(page.Locator("[data-answer='Hello v1.0.2!']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);
        await page.WaitForTimeoutAsync(12_000);
        var verdict = page.Locator("[data-verdict-revision='4']");
        await Expect(verdict).ToContainTextAsync("no failed requests during rollout 4", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("probe-safe"), FullPage = true });

        // The wall shows the verdict to the room.
        var wall = await browser.NewPageAsync(1920, 1080);
        await wall.GotoAsync(new Uri(dashboard.Url, "wall?ns=cloud,default").ToString());
        await Expect(wall.Locator("[data-tile='cloud/cloud-communal-service'] .tile-verdict")).ToContainTextAsync("no failed requests during rollout 4", new() { Timeout = 30_000 });
        await wall.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("wall-verdict") });
    }

    static async Task SetImageAsync(IPage page, string image, bool expectRiskWarning)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Set image" }).ClickAsync();
        var dialog = page.Locator("[data-dialog='set-image']");
        await dialog.GetByLabel("Image", new() { Exact = true }).FillAsync(image);
        if (expectRiskWarning) await dialog.Locator("[data-risk='all-pods-unavailable']").WaitForAsync();
        else Assert.Equal(0, await dialog.Locator("[data-risk='all-pods-unavailable']").CountAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 15_000 });
    }
}
