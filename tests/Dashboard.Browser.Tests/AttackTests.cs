using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>
/// Attacks on a running dashboard over loopback, as the security review tried them: listening
/// addresses that bypass the loopback rule, and web pages elsewhere (in Chromium, with a host name
/// that resolves to 127.0.0.1, which is what DNS rebinding achieves) driving the local demo.
/// </summary>
public sealed class AttackTests
{
    [Fact]
    public async Task Without_sign_in_a_kestrel_endpoint_beyond_loopback_stops_the_start()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => DashboardProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Http__Url"] = "http://0.0.0.0:{port}",
        }));

        Assert.Contains("Refusing to start without sign-in", refused.Message);
        Assert.Contains("listens beyond loopback", refused.Message);
    }

    [Fact]
    public async Task Kestrel_settings_meant_for_the_dashboard_bind_neither_the_api_server_nor_the_data_plane()
    {
        await using var dashboard = await DashboardProcess.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Http__Url"] = "{url}",
        });
        using var http = new HttpClient();

        var onDashboardPort = await http.GetAsync(new Uri(dashboard.Url, "/api/v1/namespaces"));
        Assert.DoesNotContain("NamespaceList", await onDashboardPort.Content.ReadAsStringAsync());
        Assert.Contains("NamespaceList", await http.GetStringAsync(new Uri(dashboard.ApiUrl, "/api/v1/namespaces")));
        var services = await Kubectl.RunAsync(dashboard.Kubeconfig, "get", "services", "-A", "-o", "jsonpath={.items[*].metadata.annotations.rollout-dashboard\\.io/data-plane-url}");
        Assert.Equal(0, services.ExitCode);
        Assert.NotEmpty(services.Stdout.Trim());
        Assert.All(services.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries), url =>
        {
            Assert.StartsWith("http://127.0.0.1:", url);
            Assert.NotEqual(dashboard.Url.Port, new Uri(url).Port);
        });
    }

    [Fact]
    public async Task A_page_elsewhere_cannot_drive_the_local_demo_nor_its_cluster()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var attacker = await AttackerSite.StartAsync(dashboard.ApiUrl);
        // evil.example resolves to 127.0.0.1 in this browser: a DNS rebinding attacker's end state.
        await using var browser = await BrowserSession.LaunchAsync("--host-resolver-rules=MAP evil.example 127.0.0.1");
        var page = await browser.NewPageAsync();

        // 1. A cross-site form (text/plain carries a JSON body with no preflight) aimed at the API server.
        await page.GotoAsync($"http://evil.example:{attacker.Port}/form");
        await page.WaitForURLAsync(url => url.Contains(dashboard.ApiUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), new() { Timeout = 15_000 });
        Assert.Contains("refuses requests from web pages", await page.ContentAsync());

        // 2. The rebound name on the dashboard's own port and on the API server's.
        var rebound = await page.GotoAsync($"http://evil.example:{dashboard.Url.Port}/");
        Assert.Equal(400, rebound!.Status);
        var api = await page.GotoAsync($"http://evil.example:{dashboard.ApiUrl.Port}/api/v1/namespaces/default/secrets");
        Assert.Equal(403, api!.Status);
        Assert.DoesNotContain("SecretList", await page.ContentAsync());

        // 3. Script on the attacker's page opening the dashboard's hub and a circuit, and posting JSON to the API.
        await page.GotoAsync($"http://evil.example:{attacker.Port}/blank");
        var answers = await page.EvaluateAsync<string[]>($$"""
            async () => {
              const r = [];
              for (const [url, init] of [
                ['http://127.0.0.1:{{dashboard.Url.Port}}/hubs/pods/negotiate?negotiateVersion=1', { method: 'POST' }],
                ['http://127.0.0.1:{{dashboard.Url.Port}}/_blazor/negotiate?negotiateVersion=1', { method: 'POST' }],
                ['http://127.0.0.1:{{dashboard.ApiUrl.Port}}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{{AttackerSite.Binding.Replace("'", "\\'")}}' }],
              ]) {
                try { const res = await fetch(url, init); r.push(String(res.status)); } catch (e) { r.push('blocked'); }
              }
              return r;
            }
            """);
        Assert.All(answers.Take(2), a => Assert.True(a is "403" or "blocked", string.Join(",", answers)));

        var bindings = await Kubectl.RunAsync(dashboard.Kubeconfig, "get", "clusterrolebindings", "-o", "name");
        Assert.Equal(0, bindings.ExitCode);
        Assert.DoesNotContain("pwned", bindings.Stdout);
        Assert.True(attacker.Served > 0);
    }

    [Fact]
    public async Task Token_sign_in_takes_only_tokens_the_cluster_issued_and_no_page_elsewhere_can_sign_a_victim_in()
    {
        // The embedded cluster without a token file: before, any string signed in as its admin.
        await using var dashboard = await DashboardProcess.StartAsync(settings: new Dictionary<string, string> { ["Auth__Mode"] = "Token" });
        var admin = System.Text.RegularExpressions.Regex.Match(await File.ReadAllTextAsync(dashboard.Kubeconfig), @"token: (\S+)").Groups[1].Value;
        await using var attacker = await AttackerSite.StartAsync(dashboard.ApiUrl, signIn: new Uri(dashboard.Url, "/signin"), token: admin);
        await using var browser = await BrowserSession.LaunchAsync("--host-resolver-rules=MAP evil.example 127.0.0.1");
        var page = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(dashboard.Url, "/signin").ToString());
        await page.Locator("#token").FillAsync("anything-at-all");
        await page.Locator("button[type=submit]").ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.Locator(".signin-error")).ToContainTextAsync("The cluster did not accept that token.");

        // Login CSRF: the attacker's page posts the attacker's token to the dashboard's sign-in.
        var victim = await browser.NewPageAsync();
        await victim.GotoAsync($"http://evil.example:{attacker.Port}/signin-form");
        await victim.WaitForURLAsync(u => u.StartsWith(dashboard.Url.ToString(), StringComparison.Ordinal));
        Assert.Contains("Cross-origin request refused.", await victim.ContentAsync());
        Assert.DoesNotContain(await victim.Context.CookiesAsync(), c => c.Name == "rollout-dashboard");

        // The real thing, from the dashboard's own page, still signs in.
        await page.Locator("#token").FillAsync(admin);
        await page.Locator("button[type=submit]").ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.Locator("[data-person='embedded-admin']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }
}

/// <summary>The attacker's web site, on loopback: a page that posts a form to the embedded API, and an empty page for scripts.</summary>
sealed class AttackerSite : IAsyncDisposable
{
    public const string Binding = """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"pwned"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:unauthenticated","apiGroup":"rbac.authorization.k8s.io"}]}""";

    readonly WebApplication _app;
    int _served;

    AttackerSite(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public int Served => _served;

    public static async Task<AttackerSite> StartAsync(Uri api, Uri? signIn = null, string? token = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        AttackerSite? site = null;
        // The form's one field name holds the JSON up to its last quote; text/plain adds "=" and the value.
        var name = Binding[..^2];
        var value = "\"}";
        var form = $"""
            <!DOCTYPE html><html><body>
            <form id="f" method="POST" enctype="text/plain" action="{api.ToString().TrimEnd('/')}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings">
            <input type="hidden" name='{WebUtility.HtmlEncode(name)}' value='{WebUtility.HtmlEncode(value)}' />
            </form><script>document.getElementById('f').submit();</script></body></html>
            """;
        var signInForm = $"""
            <!DOCTYPE html><html><body>
            <form id="f" method="POST" action="{signIn}"><input type="hidden" name="token" value="{WebUtility.HtmlEncode(token)}" /><input type="hidden" name="returnUrl" value="/" /></form>
            <script>document.getElementById('f').submit();</script></body></html>
            """;
        app.Run(async context =>
        {
            Interlocked.Increment(ref site!._served);
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync(context.Request.Path.Value switch
            {
                "/form" => form,
                "/signin-form" => signInForm,
                _ => "<!DOCTYPE html><html><body>hello</body></html>",
            }, Encoding.UTF8);
        });
        await app.StartAsync();
        site = new AttackerSite(app, new Uri(app.Urls.First()).Port);
        return site;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
