using Microsoft.Playwright;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>The seed articles' story, walked by an operator in a real browser against the embedded cluster.</summary>
public class DeploymentPageTests
{
    static readonly LocatorWaitForOptions Soon = new() { Timeout = 30_000 };

    static async Task<string> JsonPathAsync(DashboardProcess dashboard, string path)
    {
        var r = await Kubectl.RunAsync(dashboard.Kubeconfig, "get", "deployment", "flask-app", "-n", "default", "-o", $"jsonpath={path}");
        Assert.Equal(0, r.ExitCode);
        return r.Stdout;
    }

    [Fact]
    public async Task An_operator_ships_v2_pauses_resumes_rolls_back_and_is_refused_a_malformed_image()
    {
        // Real time: pulls take seconds and old pods terminate visibly, as in the articles.
        await using var dashboard = await DashboardProcess.StartAsync(timeScale: 1.0);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1440, 1200);

        await page.GotoAsync(dashboard.Url.ToString());
        await page.Locator("[data-deployment='default/flask-app'] a.deployment-link").ClickAsync();
        await page.WaitForURLAsync("**/namespaces/default/deployments/flask-app");

        // 5 ready pods, as after the first article's `kubectl apply -f deployment.yaml`.
        await Expect(page.Locator("tr[data-pod][data-ready='true']")).ToHaveCountAsync(5, new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment"), FullPage = true });

        // Ages tick in the browser between renders, in kubectl's words (duration.HumanDuration).
        var age = page.Locator("tr[data-pod] time.age").First;
        var shown = (await age.TextContentAsync())!;
        await Expect(age).Not.ToHaveTextAsync(shown, new() { Timeout = 8_000 });
        Assert.InRange(int.Parse((await age.TextContentAsync())!.TrimEnd('s')) - int.Parse(shown.TrimEnd('s')), 1, 8);
        var ages = await page.EvaluateAsync<string[]>("""
            async () => {
              const made = [210, 600, 150 * 60, 5 * 3600 + 60 * 7, 30 * 3600, 3 * 86400 + 5 * 3600, 400 * 86400, (3 * 365 + 10) * 86400].map(s => {
                const t = document.createElement('time');
                t.className = 'age';
                t.dateTime = new Date(Date.now() - s * 1000 - 300).toISOString(); // a third of a second past the mark, for the first tick to land in
                document.body.appendChild(t);
                return t;
              });
              await new Promise(r => setTimeout(r, 150));
              const texts = made.map(t => t.textContent);
              made.forEach(t => t.remove());
              return texts;
            }
            """);
        Assert.Equal(["3m30s", "10m", "150m", "5h7m", "30h", "3d5h", "400d", "3y10d"], ages);

        // Ship v2 with a change cause.
        await page.GetByRole(AriaRole.Button, new() { Name = "Set image" }).ClickAsync();
        var dialog = page.Locator("[data-dialog='set-image']");
        await dialog.GetByLabel("Image", new() { Exact = true }).FillAsync("docker.io/library/flask-app:2.0");
        await dialog.GetByLabel("Change cause", new() { Exact = true }).FillAsync("Hello v2!");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm" })).ToBeEnabledAsync();
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-set-image") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(page.Locator(".operation-result[role='alert']")).ToContainTextAsync("flask-app", new() { Timeout = 10_000 });

        // The rolling update as it happens: new pods come up while old ones go Terminating.
        await page.Locator("tr[data-pod][data-status='Terminating']").First.WaitForAsync(Soon);
        await page.Locator(".rs-bar.old").First.WaitForAsync(Soon);
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-rolling"), FullPage = true });
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);
        await Expect(page.Locator("tr[data-revision='2']")).ToContainTextAsync("Hello v2!");
        await Expect(page.Locator("tr[data-revision='2']")).ToContainTextAsync("current");
        Assert.Equal("docker.io/library/flask-app:2.0", await JsonPathAsync(dashboard, "{.spec.template.spec.containers[0].image}"));

        // Pause: Roll back and Restart become unavailable, with the reason; Resume brings them back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await page.Locator("[data-dialog='pause']").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await page.Locator(".paused-explanation").WaitForAsync(Soon);
        await Expect(page.Locator("[data-action='restart']")).ToBeDisabledAsync();
        await Expect(page.Locator("tr[data-revision='1'] .rollback-button")).ToBeDisabledAsync();
        Assert.Equal("true", await JsonPathAsync(dashboard, "{.spec.paused}"));
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-paused"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await page.Locator(".paused-explanation").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
        await Expect(page.Locator("tr[data-revision='1'] .rollback-button")).ToBeEnabledAsync();

        // Roll back to revision 1: the dialog shows what changes, then the old image comes back as revision 3.
        await page.Locator("tr[data-revision='1'] .rollback-button").ClickAsync();
        var rollback = page.Locator("[data-dialog='rollback']");
        await Expect(rollback.Locator("pre.diff .added")).ToContainTextAsync("flask-app:1.0", new() { Timeout = 10_000 });
        await Expect(rollback.Locator("pre.diff .removed")).ToContainTextAsync("flask-app:2.0");
        // Who made the revision rolled back to: the cluster's seed created it (managedFields).
        await Expect(rollback.Locator(".changed-by")).ToHaveAttributeAsync("data-changed-by", "embedded-cluster-seed");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm" })).ToBeEnabledAsync();
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-rollback") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(page.Locator("tr[data-revision='3']")).ToContainTextAsync("flask-app:1.0", new() { Timeout = 30_000 });
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);
        await Expect(page.Locator("tr[data-pod][data-ready='true']")).ToHaveCountAsync(5, new() { Timeout = 30_000 });
        Assert.Equal("docker.io/library/flask-app:1.0", await JsonPathAsync(dashboard, "{.spec.template.spec.containers[0].image}"));
        var history = await Kubectl.RunAsync(dashboard.Kubeconfig, "rollout", "history", "deployment/flask-app");
        Assert.Contains("Hello v2!", history.Stdout);

        // A malformed image is refused before anything is sent: nothing changes in the cluster.
        var generation = await JsonPathAsync(dashboard, "{.metadata.generation}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set image" }).ClickAsync();
        dialog = page.Locator("[data-dialog='set-image']");
        await dialog.GetByLabel("Image", new() { Exact = true }).FillAsync("Flask App:2.0!!");
        await Expect(dialog.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("image", new() { IgnoreCase = true, Timeout = 5_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm" })).ToBeDisabledAsync();
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-malformed-image") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(generation, await JsonPathAsync(dashboard, "{.metadata.generation}"));
        Assert.Equal("docker.io/library/flask-app:1.0", await JsonPathAsync(dashboard, "{.spec.template.spec.containers[0].image}"));

        // Who changed each revision, from managedFields: kubectl set image outside the dashboard, the rollback through it.
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:3.0")).ExitCode);
        await Expect(page.Locator("tr[data-revision='4'] td.changed-by")).ToHaveAttributeAsync("data-changed-by", "kubectl-set", new() { Timeout = 30_000 });
        await Expect(page.Locator("tr[data-revision='3'] td.changed-by")).ToHaveAttributeAsync("data-changed-by", new System.Text.RegularExpressions.Regex("^rollout-dashboard"), new() { Timeout = 15_000 });
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);
        await page.EvaluateAsync("document.querySelectorAll('.history, .history *').forEach(e => e.scrollLeft = 0)");
        await page.Locator(".card", new() { Has = page.Locator(".history") }).First.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("history-changed-by") });
    }

    [Fact]
    public async Task When_the_cluster_goes_away_the_page_says_so_and_recovers_by_itself()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await Expect(page.Locator("tr[data-pod][data-ready='true']")).ToHaveCountAsync(5, new() { Timeout = 30_000 });

        // The embedded API server goes down for a few seconds (every watch drops, connections are refused).
        using (var http = new HttpClient())
            (await http.PostAsync(new Uri(dashboard.ApiUrl, "/_embedded/restart?seconds=6"), null)).EnsureSuccessStatusCode();

        await page.Locator(".connection-banner[data-connection='Reconnecting']").WaitForAsync(Soon);
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("deployment-reconnecting") });
        await page.Locator(".connection-banner").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 60_000 });

        // Live again: a change made by kubectl after the outage shows up without a reload.
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "scale", "deployment/flask-app", "--replicas=6")).ExitCode);
        await Expect(page.Locator("tr[data-pod]")).ToHaveCountAsync(6, new() { Timeout = 30_000 });
    }

    static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
