using Microsoft.Playwright;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>Hostile and malformed input, as it reaches a real browser: shown as text, refused with a reason, nothing changed.</summary>
public class BadInputTests
{
    static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [Fact]
    public async Task Script_in_annotations_is_text_odd_urls_are_refused_and_bad_images_change_nothing()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.NewPageAsync(1440, 1200);

        const string Evil = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">\u0007 ship it";
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0")).ExitCode);
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "annotate", "deployment/flask-app", $"kubernetes.io/change-cause={Evil}", "--overwrite")).ExitCode);

        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await Expect(page.Locator(".revision")).ToContainTextAsync("<script>window.__pwned=1</script>", new() { Timeout = 30_000 });
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await page.Locator(".summary img").CountAsync());

        // Names that cannot exist, however they are spelled in the address.
        foreach (var (path, expected) in new[]
        {
            ("namespaces/default/deployments/%2E%2E%2Fsecrets", "is not a deployment name"),
            ("namespaces/%C3%BCn%C3%AFcode/deployments/flask-app", "is not a namespace name"),
            ("namespaces/default/deployments/Flask_App", "is not a deployment name"),
        })
        {
            await page.GotoAsync(new Uri(dashboard.Url, path).ToString());
            await Expect(page.Locator("[role='alert']").First).ToContainTextAsync(expected, new() { Timeout = 15_000 });
        }

        // Malformed images: refused in the dialog with the reason; the Deployment is untouched.
        await page.GotoAsync(new Uri(dashboard.Url, "namespaces/default/deployments/flask-app").ToString());
        await page.Locator(".deployment-header").WaitForAsync(new() { Timeout = 30_000 });
        var generation = (await Kubectl.RunAsync(dashboard.Kubeconfig, "get", "deployment", "flask-app", "-o", "jsonpath={.metadata.generation}")).Stdout;
        await page.GetByRole(AriaRole.Button, new() { Name = "Set image" }).ClickAsync();
        var dialog = page.Locator("[data-dialog='set-image']");
        foreach (var (image, reason) in new[]
        {
            ("flask app:2.0", "contains spaces"),
            ("Docker.io/Library/Flask:2.0", "lowercase"),
            ("docker.io/library/../flask:2.0", "\"..\" is not allowed"),
            ("flask:2.0;rm -rf /", "contains spaces"),
            (new string('a', 300) + ":1", "longer than 255"),
        })
        {
            await dialog.GetByLabel("Image", new() { Exact = true }).FillAsync(image);
            await Expect(dialog.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync(reason, new() { Timeout = 5_000 });
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm" })).ToBeDisabledAsync();
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(generation, (await Kubectl.RunAsync(dashboard.Kubeconfig, "get", "deployment", "flask-app", "-o", "jsonpath={.metadata.generation}")).Stdout);
    }
}
