using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Dashboard.ClusterServices.Operations;
using Dashboard.Web.Cluster;
using Dashboard.Web.Model;
using Dashboard.Web.Security;
using k8s;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>Sign-in, RBAC as the person, impersonation and browser-facing hygiene, against the embedded cluster with token authentication on.</summary>
public sealed partial class SecurityTests
{

    internal static async Task<WebApplicationFactory<Program>> StartAsync(string mode, params (string Key, string Value)[] settings)
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-security", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var tokens = Path.Combine(dir, "tokens.csv");
        await File.WriteAllTextAsync(tokens, "viewer-token,vera,u1\noperator-token,otto,u2,\"operators\"\n");
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Cluster:Mode", "Embedded");
            b.UseSetting("EmbeddedCluster:ApiUrl", "http://127.0.0.1:0");
            b.UseSetting("EmbeddedCluster:KubeconfigPath", Path.Combine(dir, "kubeconfig"));
            b.UseSetting("EmbeddedCluster:TimeScale", "0.2");
            b.UseSetting("EmbeddedCluster:TokenAuthFile", tokens);
            b.UseSetting("Dashboard:DataPath", Path.Combine(dir, "data"));
            b.UseSetting("Auth:Mode", mode);
            foreach (var (k, v) in settings) b.UseSetting(k, v);
        });
        using (var warm = factory.CreateClient()) Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("/healthz")).StatusCode);
        var rbac = Path.Combine(dir, "rbac.yaml");
        await File.WriteAllTextAsync(rbac, TestRbac.ViewersAndOperators);
        var kubeconfig = factory.Services.GetRequiredService<ClusterConnection>().Kubeconfig!;
        var apply = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(dir, "cache"), "apply", "-f", rbac]) { RedirectStandardOutput = true })!;
        await apply.WaitForExitAsync();
        Assert.Equal(0, apply.ExitCode);
        return factory;
    }

    internal static IDashboardClient ClientFor(IServiceScope scope, ClaimsPrincipal person)
    {
        var state = (Microsoft.AspNetCore.Components.Authorization.IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        state.SetAuthenticationState(Task.FromResult(new AuthenticationState(person)));
        return scope.ServiceProvider.GetRequiredService<IDashboardClient>();
    }

    internal static ClaimsPrincipal Person(string name, string? token = null, params string[] groups)
    {
        var identity = new ClaimsIdentity("test", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        if (token is not null) identity.AddClaim(new Claim(PersonClaims.Token, token));
        foreach (var g in groups) identity.AddClaim(new Claim(PersonClaims.Group, g));
        return new ClaimsPrincipal(identity);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [Fact]
    public async Task In_token_mode_anonymous_pages_circuits_and_the_hub_are_refused_and_a_token_signs_in()
    {
        await using var factory = await StartAsync("Token");
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/signin", page.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/hubs/pods/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/wall")).StatusCode);

        async Task<HttpResponseMessage> SignInAsync(string token)
        {
            var form = await http.GetStringAsync("/signin");
            var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
            return await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery, ["token"] = token, ["returnUrl"] = "/" }));
        }

        var refused = await SignInAsync("made-up");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("The cluster did not accept that token.", await refused.Content.ReadAsStringAsync());

        var signedIn = await SignInAsync("viewer-token");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_posted_from_another_site_without_the_form_token_gets_no_session()
    {
        await using var factory = await StartAsync("Token");
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        // Login CSRF: a page elsewhere posts the attacker's own token, so the victim works in the attacker's session.
        HttpRequestMessage Forged(string? origin)
        {
            var forged = new HttpRequestMessage(HttpMethod.Post, "/signin")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "viewer-token", ["returnUrl"] = "/" }),
            };
            if (origin is not null) forged.Headers.Add("Origin", origin);
            return forged;
        }
        static bool SessionCookie(HttpResponseMessage answer) =>
            answer.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("rollout-dashboard=", StringComparison.Ordinal));

        using var fromElsewhere = Forged("https://evil.example");
        var refusedByOrigin = await http.SendAsync(fromElsewhere);
        Assert.Equal(HttpStatusCode.Forbidden, refusedByOrigin.StatusCode);
        Assert.False(SessionCookie(refusedByOrigin));

        // Without an Origin (a browser that sends none), the form's antiforgery token is what is missing.
        using var withoutOrigin = Forged(null);
        var answer = await http.SendAsync(withoutOrigin);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.False(SessionCookie(answer));
        Assert.Contains("sign-in form", await answer.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/%0d%0aSet-Cookie:%20x=y")]
    [InlineData("/\u0001")]
    [InlineData("//evil.example/")]
    [InlineData("https://evil.example/")]
    public async Task A_return_address_with_control_characters_or_elsewhere_signs_in_to_the_overview(string returnUrl)
    {
        await using var factory = await StartAsync("Token");
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await http.GetAsync("/signin?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var antiforgery = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;

        var signedIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery, ["token"] = "viewer-token", ["returnUrl"] = System.Text.RegularExpressions.Regex.Unescape(Uri.UnescapeDataString(returnUrl)),
        }));

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_viewer_sees_but_cannot_act_and_an_operator_acts_under_their_own_name()
    {
        await using var factory = await StartAsync("Token");
        using var http = factory.CreateClient();

        using (var scope = factory.Services.CreateScope())
        {
            var vera = ClientFor(scope, Person("vera", "viewer-token"));
            Assert.Contains("vera may not patch deployments in namespace default", await vera.WhyNotAsync("patch", "default"));
            Assert.Contains("default", await vera.VisibleNamespacesAsync(["default"]));
            // A forced call, as a tampered page would send: the cluster refuses it.
            var forced = await vera.ExecuteAsync(new Pause("default", "flask-app"));
            Assert.Equal(OperationOutcome.Refused, forced.Outcome);
            Assert.Contains("User \"vera\" cannot patch resource \"deployments\"", forced.Message);
            // The probe runs as the dashboard: a read-only person can neither start nor stop one.
            var probe = await vera.ExecuteAsync(new StartProbe("default", "flask-app"));
            Assert.Equal(OperationOutcome.Refused, probe.Outcome);
            Assert.Contains("vera may not patch deployments in namespace default", probe.Message);
            Assert.Empty(vera.ProbesOf("default", "flask-app"));
        }

        using (var scope = factory.Services.CreateScope())
        {
            var otto = ClientFor(scope, Person("otto", "operator-token", "operators"));
            Assert.Null(await otto.WhyNotAsync("patch", "default"));
            var probe = await otto.ExecuteAsync(new StartProbe("default", "flask-app"));
            Assert.True(probe.Ok, probe.Message);
            Assert.DoesNotContain("rollout-dashboard.io", probe.Message);
            Assert.Equal(OperationOutcome.Succeeded, (await otto.ExecuteAsync(new StopProbe("default", "flask-app"))).Outcome);
            Assert.Equal(OperationOutcome.Succeeded, (await otto.ExecuteAsync(new Pause("default", "flask-app"))).Outcome);
            Assert.NotNull(await otto.WhyNotAsync("patch", "cloud"));
        }

        var admin = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(factory.Services.GetRequiredService<ClusterConnection>().Kubeconfig!));
        Assert.True((await admin.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default")).Spec.Paused);
        var events = await admin.CoreV1.ListNamespacedEventAsync("default");
        Assert.Contains(events.Items, e => e.Reason == "Paused" && e.Message.StartsWith("otto paused", StringComparison.Ordinal));

        // Every action is in the audit trail, each person as themselves, the refused ones too, each completed with its outcome.
        var audit = (await factory.Services.GetRequiredService<Dashboard.Web.Records.AuditTrail>().Store!.AuditAsync()).Reverse()
            .Select(a => (a.Person, a.Action, a.Namespace, a.Target, a.Outcome, a.CompletedAt is not null)).ToList();
        Assert.Equal(
        [
            ("vera", "Pause", "default", "flask-app", "Refused", true),
            ("vera", "StartProbe", "default", "flask-app", "Refused", true),
            ("otto", "StartProbe", "default", "flask-app", "Succeeded", true),
            ("otto", "StopProbe", "default", "flask-app", "Succeeded", true),
            ("otto", "Pause", "default", "flask-app", "Succeeded", true),
        ], audit);
    }

    /// <summary>Vera may read "default" only: the cluster-wide viewing binding goes, a namespace one takes its place.</summary>
    internal static async Task VeraMaySeeDefaultOnlyAsync(WebApplicationFactory<Program> factory)
    {
        var admin = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(factory.Services.GetRequiredService<ClusterConnection>().Kubeconfig!));
        await admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync("everyone-views");
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new k8s.Models.V1RoleBinding
        {
            Metadata = new() { Name = "vera-views-default" },
            RoleRef = new() { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "viewer" },
            Subjects = [new() { Kind = "User", Name = "vera", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "default");
    }

    [Fact]
    public async Task The_pod_stream_of_a_namespace_is_refused_to_a_person_the_cluster_does_not_let_list_its_pods()
    {
        await using var factory = await StartAsync("Token");
        await VeraMaySeeDefaultOnlyAsync(factory);
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var form = await http.GetAsync("/signin");
        var antiforgery = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery, ["token"] = "viewer-token", ["returnUrl"] = "/" }),
        };
        signIn.Headers.Add("Cookie", string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        var signedIn = await http.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = string.Join("; ", signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        await using var hub = await TestApp.ConnectHubAsync(factory, cookie);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var first = await hub.StreamAsync<System.Text.Json.JsonElement>("StreamPods", "default", timeout.Token).FirstAsync(timeout.Token);
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(async () =>
        {
            await foreach (var _ in hub.StreamAsync<System.Text.Json.JsonElement>("StreamPods", "kube-system", timeout.Token)) { }
        });

        Assert.Equal("default", first.GetProperty("pod").GetProperty("namespace").GetString());
        Assert.Contains("vera may not list pods in namespace kube-system", refused.Message);
    }

    [Fact]
    public async Task In_oidc_mode_anonymous_people_go_to_the_identity_provider_and_actions_carry_their_groups()
    {
        await using var factory = await StartAsync("Oidc",
            ("Auth:Oidc:Authority", "https://idp.example"), ("Auth:Oidc:ClientId", "rollout-dashboard"), ("Auth:Oidc:ClientSecret", "s3cret"),
            ("Auth:Oidc:AuthorizationEndpoint", "https://idp.example/authorize"), ("Auth:Oidc:TokenEndpoint", "https://idp.example/token"));
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("https://idp.example/authorize", page.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/hubs/pods/negotiate?negotiateVersion=1", null)).StatusCode);

        // The dashboard's own identity (the cluster admin here) impersonates the person with their groups.
        using (var scope = factory.Services.CreateScope())
        {
            var alone = ClientFor(scope, Person("alice@example.com"));
            var refused = await alone.ExecuteAsync(new Scale("default", "flask-app", 2));
            Assert.Equal(OperationOutcome.Refused, refused.Outcome);
            Assert.Contains("alice@example.com", refused.Message);
        }
        using (var scope = factory.Services.CreateScope())
        {
            var alice = ClientFor(scope, Person("alice@example.com", null, "operators"));
            Assert.Equal(OperationOutcome.Succeeded, (await alice.ExecuteAsync(new Scale("default", "flask-app", 2))).Outcome);
        }
    }

    [Fact]
    public async Task A_cross_origin_handshake_is_refused_and_pages_carry_security_headers()
    {
        await using var factory = await StartAsync("Token");
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(http, HubNegotiate, "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(http, BlazorNegotiate, "https://evil.example"));

        var signin = await http.GetAsync("/signin");
        Assert.Contains("frame-ancestors 'none'", signin.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("script-src 'self'", signin.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", signin.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", signin.Headers.GetValues("X-Frame-Options").Single());
        // Static files too (they were served before the headers were added), and no host but this one to connect to.
        var stylesheet = await http.GetAsync("/app.css");
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        var policy = stylesheet.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("connect-src 'self';", policy);
        Assert.DoesNotContain("ws:", policy);
        Assert.Equal("nosniff", stylesheet.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData(null, ClusterMode.Embedded, "http://127.0.0.1:5080", true)]
    [InlineData(null, ClusterMode.Embedded, "http://localhost:5080", true)]
    [InlineData(null, ClusterMode.Embedded, "http://0.0.0.0:8080", false)]
    [InlineData(null, ClusterMode.InCluster, "http://127.0.0.1:8080", false)]
    [InlineData(AuthMode.None, ClusterMode.KubeConfig, "http://127.0.0.1:5080", false)]
    [InlineData(AuthMode.Token, ClusterMode.InCluster, "http://0.0.0.0:8080", true)]
    public void Without_sign_in_the_dashboard_starts_only_for_the_embedded_cluster_on_loopback(AuthMode? mode, ClusterMode cluster, string url, bool starts)
    {
        Action start = () => StartupChecks.Validate(new AuthOptions { Mode = mode }, cluster, [url]);

        if (starts) start();
        else Assert.Contains("Set Auth__Mode=Token", Assert.Throws<InvalidOperationException>(start).Message);
    }

    [Theory]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:8080")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://[::]:8080")]
    [InlineData("http_ports", "8080")]
    [InlineData("https_ports", "8443")]
    [InlineData("urls", "http://127.0.0.1:5080;http://*:8080")]
    public void Without_sign_in_every_address_kestrel_would_bind_is_checked_not_only_urls(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:5080", [key] = value }).Build();

        var refused = Assert.Throws<InvalidOperationException>(() => StartupChecks.Validate(new AuthOptions(), ClusterMode.Embedded, StartupChecks.ListenAddresses(configuration)));

        Assert.Contains("listens beyond loopback", refused.Message);
    }

    [Fact]
    public async Task Without_sign_in_only_loopback_names_are_answered_and_a_foreign_origin_is_refused()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-security", Guid.NewGuid().ToString("N"));
        await using var factory = TestApp.OnEmbeddedCluster(dir, 0.2);
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);

        // DNS rebinding: evil.example resolves to 127.0.0.1, and the browser sends its own name as Host.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/");
        rebound.Headers.Host = "evil.example:5080";
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(rebound)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, await NegotiateAsync(http, BlazorNegotiate, "http://evil.example:5080", host: "evil.example:5080"));

        // A page elsewhere posting to the real loopback name.
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(http, HubNegotiate, "http://evil.example"));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(http, HubNegotiate, "http://localhost"));
    }

    const string HubNegotiate = "/hubs/pods/negotiate?negotiateVersion=1";
    const string BlazorNegotiate = "/_blazor/negotiate?negotiateVersion=1";

    /// <summary>A connection handshake as a page at <paramref name="origin"/> would start it (with the Host the browser names, if given).</summary>
    static async Task<HttpStatusCode> NegotiateAsync(HttpClient http, string path, string origin, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Origin", origin);
        if (host is not null) request.Headers.Host = host;
        return (await http.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Behind_a_tls_proxy_forwarded_headers_make_the_cookie_secure_and_the_oidc_redirect_https()
    {
        await using var token = await StartAsync("Token", ("FORWARDEDHEADERS_ENABLED", "true"));
        using var http = token.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var form = new HttpRequestMessage(HttpMethod.Get, "/signin");
        form.Headers.Add("X-Forwarded-Proto", "https");
        var page = await http.SendAsync(form);
        var antiforgery = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery, ["token"] = "viewer-token", ["returnUrl"] = "/" }),
        };
        signIn.Headers.Add("X-Forwarded-Proto", "https");
        var signedIn = await http.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("rollout-dashboard=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);

        await using var oidc = await StartAsync("Oidc", ("FORWARDEDHEADERS_ENABLED", "true"),
            ("Auth:Oidc:Authority", "https://idp.example"), ("Auth:Oidc:ClientId", "rollout-dashboard"),
            ("Auth:Oidc:AuthorizationEndpoint", "https://idp.example/authorize"), ("Auth:Oidc:TokenEndpoint", "https://idp.example/token"));
        using var browser = oidc.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var home = new HttpRequestMessage(HttpMethod.Get, "/");
        home.Headers.Add("X-Forwarded-Proto", "https");
        var challenge = await browser.SendAsync(home);
        Assert.Contains("redirect_uri=https%3A%2F%2Flocalhost%2Fsignin-oidc", challenge.Headers.Location!.ToString());
        Assert.Contains("form-action 'self' https://idp.example", challenge.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("alice@example.com", "true", "operators,system:masters,admins", "", "alice@example.com", "operators")]
    [InlineData("alice@example.com", null, "operators", "oidc:", "oidc:alice@example.com", "operators")]
    [InlineData("eve@example.com", "false", "operators", "", null, "has not verified the email address")]
    [InlineData("system:admin", "true", "operators", "", null, "reserved for the cluster's own components")]
    [InlineData(null, "true", "operators", "", null, "has no \"email\" claim")]
    public void An_identity_provider_names_a_person_as_kube_apiserver_would_and_carries_only_the_configured_groups(
        string? email, string? verified, string groups, string prefix, string? name, string expected)
    {
        var identity = new ClaimsIdentity("oidc");
        if (email is not null) identity.AddClaim(new Claim("email", email));
        if (verified is not null) identity.AddClaim(new Claim("email_verified", verified));
        foreach (var g in groups.Split(',')) identity.AddClaim(new Claim("groups", g));

        var person = OidcAdmission.Admit(new ClaimsPrincipal(identity), new OidcOptions { Groups = ["operators", "admins-not-given"], UsernamePrefix = prefix });

        Assert.Equal(name, person.Name);
        if (name is null) Assert.Contains(expected, person.Refusal);
        else Assert.Equal(expected.Split(','), person.Groups);
        var none = OidcAdmission.Admit(new ClaimsPrincipal(identity), new OidcOptions());
        Assert.Empty(none.Groups);
    }

    [Fact]
    public void A_configured_system_group_stops_the_start()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => StartupChecks.Validate(
            new AuthOptions { Mode = AuthMode.Oidc, Oidc = new OidcOptions { Authority = "https://idp.example", ClientId = "x", Groups = ["system:masters"] } }, ClusterMode.InCluster, ["http://0.0.0.0:8080"]));
        Assert.Contains("system: groups are the cluster's own", refused.Message);
    }
}
