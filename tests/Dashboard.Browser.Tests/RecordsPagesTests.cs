using Microsoft.Playwright;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>The next morning's questions, answered in a real browser: what happened, who started it, how long it took, how often rollouts fail.</summary>
public class RecordsPagesTests
{
    static readonly LocatorWaitForOptions Soon = new() { Timeout = 30_000 };

    static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    static async Task KubectlAsync(DashboardProcess dashboard, params string[] args)
    {
        var result = await Kubectl.RunAsync(dashboard.Kubeconfig, args);
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task A_kubectl_rollout_and_a_bad_one_rolled_back_in_the_dashboard_are_on_the_records_pages()
    {
        await using var dashboard = await DashboardProcess.StartAsync(timeScale: 0.5);
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1440, 1000);
        await KubectlAsync(dashboard, "rollout", "status", "deployment/flask-app", "--timeout=60s");

        // kubectl ships 2.0 with a change cause, then a version that crash-loops.
        await KubectlAsync(dashboard, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await KubectlAsync(dashboard, "annotate", "deployment/flask-app", "kubernetes.io/change-cause=release 2.0", "--overwrite");
        await KubectlAsync(dashboard, "rollout", "status", "deployment/flask-app", "--timeout=60s");
        await KubectlAsync(dashboard, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.1-crash");
        await KubectlAsync(dashboard, "annotate", "deployment/flask-app", "kubernetes.io/change-cause=release 2.1", "--overwrite");

        // The operator sees the crash loop and rolls back to revision 2 from the deployment page.
        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await page.Locator(".deployment-header[data-state='Stuck']").WaitForAsync(Soon);
        await page.Locator("tr[data-revision='2'] .rollback-button").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await page.Locator(".deployment-header[data-state='Complete']").WaitForAsync(Soon);
        // The history links each revision to its rollouts; the insights card counts the failure.
        await Expect(page.Locator(".insights-card [data-insight='change-failure-rate'] .insight-value")).Not.ToHaveTextAsync("—", new() { Timeout = 10_000 });
        await page.Locator("tr[data-revision='4'] a.records-link").ClickAsync();
        await page.WaitForURLAsync("**/rollouts?namespace=default&workload=flask-app&revision=4");
        await Expect(page.Locator("tr[data-rollout-id]")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await Expect(page.Locator("tr[data-rollout-id] .started-by")).ToHaveTextAsync("dashboard-user");

        // Every rollout of the morning, newest first.
        await page.GotoAsync(new Uri(dashboard.Url, "rollouts?namespace=default").ToString());
        await Expect(page.Locator("tr[data-rollout-id]")).ToHaveCountAsync(3, new() { Timeout = 10_000 });
        Assert.Equal(["Complete", "RolledBack", "Complete"], await page.Locator("tr[data-rollout-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.outcome)"));
        await Expect(page.Locator("tr[data-outcome='RolledBack']")).ToContainTextAsync("rolled back by revision 4");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("rollouts") });

        // Filtered by outcome through the page's own control.
        await page.Locator(".filter-outcome").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Rolled back" }).ClickAsync();
        await page.WaitForURLAsync("**outcome=RolledBack**");
        await Expect(page.Locator("tr[data-rollout-id]")).ToHaveCountAsync(1, new() { Timeout = 10_000 });

        // The record: images, who, the timeline and the stuck pods.
        await page.Locator("tr[data-outcome='RolledBack'] a").First.ClickAsync();
        await page.Locator(".record-head[data-outcome='RolledBack']").WaitForAsync(Soon);
        await Expect(page.Locator(".to-images")).ToHaveTextAsync("flask-app=docker.io/library/flask-app:2.1-crash");
        await Expect(page.Locator(".started-by")).ToHaveTextAsync("outside the dashboard");
        await Expect(page.Locator(".record-facts")).ToContainTextAsync("release 2.1");
        await Expect(page.Locator("li[data-reason='CrashLoopBackOff']").First).ToContainTextAsync("is CrashLoopBackOff");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("rollout-record"), FullPage = true });

        // The audit: the rollback, by whom, with its revision and its outcome.
        await page.GotoAsync(new Uri(dashboard.Url, "audit").ToString());
        var rollback = page.Locator("tr[data-audit-id]").Filter(new() { HasText = "Rollback" });
        await Expect(rollback).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await Expect(rollback).ToHaveAttributeAsync("data-outcome", "Succeeded");
        await Expect(rollback.Locator(".inputs")).ToContainTextAsync("\"toRevision\":2");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("audit") });

        // Insights for the namespace.
        await page.GotoAsync(new Uri(dashboard.Url, "insights?namespace=default&since=24h").ToString());
        await Expect(page.Locator("[data-insights-rollouts]")).ToHaveAttributeAsync("data-insights-rollouts", "3", new() { Timeout = 10_000 });
        await Expect(page.Locator("[data-insight='change-failure-rate'] .insight-value")).ToHaveTextAsync("33%");
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("insights") });
    }
}
