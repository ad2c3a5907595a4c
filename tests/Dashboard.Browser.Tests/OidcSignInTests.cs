using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>
/// OIDC sign-in end to end in Chromium against a real OpenID provider on loopback. The provider
/// (127.0.0.1) and the dashboard (localhost) are different sites, so the provider's callback is the
/// cross-site form post a real deployment gets.
/// </summary>
public sealed class OidcSignInTests
{

    static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 30_000 };


    static async Task LogInAtProviderAsync(IPage page, string account)
    {
        await page.Locator("input[name=login]").FillAsync(account);
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.Locator("button[type=submit]").ClickAsync();
        // The provider's consent screen, the first time an account meets the dashboard.
        var consent = page.Locator("button[type=submit]", new() { HasText = "Continue" });
        try { await consent.ClickAsync(new() { Timeout = 5_000 }); }
        catch (TimeoutException) { }
    }

    [Fact]
    public async Task People_sign_in_and_out_at_the_provider_act_only_with_the_configured_groups_and_their_session_ends_on_time()
    {
        var port = Ports.Free();
        var dashboardUrl = new Uri($"http://localhost:{port}");
        await using var provider = await OidcProvider.StartAsync(dashboardUrl);
        var dir = Path.Combine(Path.GetTempPath(), "oidc-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var tokens = Path.Combine(dir, "tokens.csv");
        await File.WriteAllTextAsync(tokens, "unused-token,nobody-at-all,u9\n");
        await using var dashboard = await DashboardProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = dashboardUrl.ToString(),
            ["EmbeddedCluster__TokenAuthFile"] = tokens,
            ["Auth__Mode"] = "Oidc",
            ["Auth__Oidc__Authority"] = provider.Authority.ToString(),
            ["Auth__Oidc__ClientId"] = "rollout-dashboard",
            ["Auth__Oidc__ClientSecret"] = "test-secret",
            ["Auth__Oidc__Groups__0"] = "operators",
            ["Auth__SessionLifetime"] = "00:00:45",
            ["Auth__RevalidationInterval"] = "00:00:02",
        }, port: port);
        var rbac = Path.Combine(dir, "rbac.yaml");
        await File.WriteAllTextAsync(rbac, TestRbac.ViewersAndOperators);
        Assert.Equal(0, (await Kubectl.RunAsync(dashboard.Kubeconfig, "apply", "-f", rbac)).ExitCode);
        await using var browser = await BrowserSession.LaunchAsync();
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // Sign in: dashboard → provider → cross-site form post back → signed in, in one trip.
        var providerVisits = 0;
        page.Request += (_, r) => { if (r.IsNavigationRequest && r.Url.StartsWith(provider.Authority.ToString().TrimEnd('/') + "/auth?", StringComparison.Ordinal)) providerVisits++; };
        await page.GotoAsync(new Uri(dashboardUrl, "/").ToString());
        await page.WaitForURLAsync(u => u.StartsWith(provider.Authority.ToString().TrimEnd('/'), StringComparison.Ordinal));
        await LogInAtProviderAsync(page, "alice");
        try { await page.WaitForURLAsync(u => u.StartsWith(dashboardUrl.ToString(), StringComparison.Ordinal) && !u.Contains("signin", StringComparison.Ordinal), new() { Timeout = 30_000 }); }
        catch (TimeoutException e) { throw new TimeoutException($"Sign-in did not land at {page.Url}:\n{await page.ContentAsync()}\n{dashboard.Log}\n{provider.Log}", e); }
        await Expect(page.Locator("[data-person='alice@example.com']")).ToBeVisibleAsync(Soon);
        Assert.Equal(1, providerVisits);
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "rollout-dashboard");
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        Assert.True(cookie.HttpOnly);

        // alice's provider says operators, system:masters and admins: only operators is carried.
        await page.GotoAsync(new Uri(dashboardUrl, "/namespaces/default/deployments/flask-app").ToString());
        await Expect(page.Locator("[data-action='pause'], [data-action='resume']").First).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator(".forbidden-explanation")).ToHaveCountAsync(0);
        await page.GotoAsync(new Uri(dashboardUrl, "/namespaces/cloud/deployments/cloud-communal-service").ToString());
        await Expect(page.Locator(".forbidden-explanation")).ToContainTextAsync("alice@example.com may not patch deployments in namespace cloud", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("oidc-read-only") });

        // Sign out ends the provider's session too (the CSP lets the form's redirect reach it).
        await page.Locator("button.signout").ClickAsync();
        try { await page.WaitForURLAsync(u => u.StartsWith(provider.Authority.ToString().TrimEnd('/'), StringComparison.Ordinal)); }
        catch (TimeoutException e) { throw new TimeoutException($"Sign-out stayed at {page.Url}:\n{await page.ContentAsync()}\n{dashboard.Log}", e); }
        await page.Locator("button[name=logout]").ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(new Uri(dashboardUrl, "/signin").ToString(), StringComparison.Ordinal), new() { Timeout = 30_000 });
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "rollout-dashboard");
        await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(u => u.StartsWith(provider.Authority.ToString().TrimEnd('/'), StringComparison.Ordinal));
        await Expect(page.Locator("input[name=login]")).ToBeVisibleAsync(Soon);

        // Refused: a system: username, an unverified email, and no username claim at all.
        foreach (var (account, words) in new[]
        {
            ("sysadmin", "\"system:admin\" is a name reserved for the cluster's own components"),
            ("eve", "has not verified the email address eve@example.com"),
            ("nobody", "has no \"email\" claim"),
        })
        {
            var other = await (await browser.NewContextAsync()).NewPageAsync();
            await other.GotoAsync(new Uri(dashboardUrl, "/").ToString());
            await LogInAtProviderAsync(other, account);
            await Expect(other.Locator(".signin-error[role='alert']")).ToContainTextAsync(words, new() { Timeout = 30_000 });
            Assert.DoesNotContain(await other.Context.CookiesAsync(), c => c.Name == "rollout-dashboard");
            if (account == "eve") await other.ScreenshotAsync(new() { Path = BrowserSession.ScreenshotPath("oidc-refused") });
        }

        // An open page whose session runs out leaves its circuit for the sign-in.
        await page.GotoAsync(new Uri(dashboardUrl, "/").ToString());
        if (page.Url.StartsWith(provider.Authority.ToString().TrimEnd('/'), StringComparison.Ordinal)) await LogInAtProviderAsync(page, "alice");
        await Expect(page.Locator("[data-person='alice@example.com']")).ToBeVisibleAsync(Soon);
        await page.WaitForURLAsync(u => !u.StartsWith(dashboardUrl.ToString(), StringComparison.Ordinal) || u.Contains("/signin", StringComparison.Ordinal), new() { Timeout = 60_000 });
    }
}
