using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>Bearer tokens, RBAC, access reviews and impersonation, as kube-apiserver does them.</summary>
public class AccessTests
{
    public const string Rbac = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: rollout-viewer}
        rules:
        - apiGroups: [""]
          resources: [pods, events, namespaces, services, endpoints]
          verbs: [get, list, watch]
        - apiGroups: [apps]
          resources: [deployments, replicasets]
          verbs: [get, list, watch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: rollout-operator, namespace: default}
        rules:
        - apiGroups: [apps]
          resources: [deployments, deployments/scale]
          verbs: [patch, update]
        - apiGroups: [""]
          resources: [events]
          verbs: [create]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: everyone-views}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rollout-viewer}
        subjects:
        - {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: operators-operate, namespace: default}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rollout-operator}
        subjects:
        - {kind: Group, name: operators, apiGroup: rbac.authorization.k8s.io}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: impersonate-people}
        rules:
        - apiGroups: [""]
          resources: [users, groups]
          verbs: [impersonate]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: dashboard-impersonates}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-people}
        subjects:
        - {kind: User, name: rollout-dashboard, apiGroup: rbac.authorization.k8s.io}
        """;

    public static string WriteTokenFile(string dir)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "tokens.csv");
        File.WriteAllText(path, """
            viewer-token,vera,u1
            operator-token,otto,u2,"operators"
            dashboard-token,rollout-dashboard,u3
            """);
        return path;
    }

    static async Task<TestCluster> StartAsync()
    {
        var cluster = await TestCluster.StartAsync(tokenAuthFile: WriteTokenFile(Path.Combine(Path.GetTempPath(), "access-tests", Guid.NewGuid().ToString("N"))));
        var file = Path.Combine(Path.GetTempPath(), $"rbac-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, Rbac);
        var applied = await cluster.KubectlAsync("apply", "-f", file);
        Assert.True(applied.ExitCode == 0, applied.Output);
        return cluster;
    }

    /// <summary>Adds impersonation headers, as kubectl's --as and --as-group do.</summary>
    sealed class Impersonating(string user, string[] groups) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("Impersonate-User", user);
            foreach (var g in groups) request.Headers.Add("Impersonate-Group", g);
            return base.SendAsync(request, cancellationToken);
        }
    }

    static k8s.Kubernetes ClientAs(TestCluster cluster, string? token, string? impersonate = null, params string[] groups)
    {
        // The kubeconfig's server and certificate authority, with the given person's token instead of the admin's.
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig);
        config.AccessToken = token;
        return impersonate is null ? new k8s.Kubernetes(config) : new k8s.Kubernetes(config, new Impersonating(impersonate, groups));
    }

    [Fact]
    public async Task Requests_without_a_known_token_are_refused()
    {
        await using var cluster = await StartAsync();
        using var anonymous = ClientAs(cluster, null);
        using var stranger = ClientAs(cluster, "made-up");

        var e1 = await Assert.ThrowsAsync<HttpOperationException>(() => anonymous.CoreV1.ListNamespacedPodAsync("default"));
        var e2 = await Assert.ThrowsAsync<HttpOperationException>(() => stranger.CoreV1.ListNamespacedPodAsync("default"));
        Assert.Equal(HttpStatusCode.Unauthorized, e1.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, e2.Response.StatusCode);
    }

    [Fact]
    public async Task A_viewer_sees_but_cannot_act_and_kubectl_says_why()
    {
        await using var cluster = await StartAsync();

        var pods = await cluster.KubectlAsync("--token=viewer-token", "get", "pods");
        Assert.True(pods.ExitCode == 0, pods.Output);
        var set = await cluster.KubectlAsync("--token=viewer-token", "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        Assert.NotEqual(0, set.ExitCode);
        Assert.Contains("User \"vera\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"default\"", set.Output);

        var elsewhere = await cluster.KubectlAsync("--token=operator-token", "scale", "deployment/cloud-communal-service", "-n", "cloud", "--replicas=2");
        Assert.Contains("User \"otto\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"cloud\"", elsewhere.Output);
        var operate = await cluster.KubectlAsync("--token=operator-token", "set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        Assert.True(operate.ExitCode == 0, operate.Output);
    }

    [Fact]
    public async Task Impersonation_carries_the_persons_groups_and_needs_the_impersonate_right()
    {
        await using var cluster = await StartAsync();
        var patch = new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch);

        using var asAliceOperator = ClientAs(cluster, "dashboard-token", "alice", "operators");
        var scaled = await asAliceOperator.AppsV1.PatchNamespacedDeploymentAsync(patch, "flask-app", "default");
        Assert.Equal(4, scaled.Spec.Replicas);
        var review = await asAliceOperator.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal("alice", review.Status.UserInfo.Username);
        Assert.Contains("operators", review.Status.UserInfo.Groups);

        using var asAliceAlone = ClientAs(cluster, "dashboard-token", "alice");
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => asAliceAlone.AppsV1.PatchNamespacedDeploymentAsync(patch, "flask-app", "default"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        Assert.Contains("cannot patch resource", forbidden.Response.Content);
        Assert.Contains("alice", forbidden.Response.Content);

        using var viewerPretending = ClientAs(cluster, "viewer-token", "otto", "operators");
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => viewerPretending.AppsV1.ListNamespacedDeploymentAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains("cannot impersonate resource", refused.Response.Content);
    }

    [Fact]
    public async Task Access_reviews_answer_for_the_caller_and_token_reviews_for_a_token()
    {
        await using var cluster = await StartAsync();
        using var viewer = ClientAs(cluster, "viewer-token");
        using var admin = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig));

        async Task<bool> CanAsync(k8s.Kubernetes client, string verb, string resource, string? subresource = null) =>
            (await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
            {
                Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = "apps", Resource = resource, Subresource = subresource, NamespaceProperty = "default" } },
            })).Status.Allowed;

        Assert.True(await CanAsync(viewer, "list", "deployments"));
        Assert.False(await CanAsync(viewer, "patch", "deployments"));
        Assert.False(await CanAsync(viewer, "update", "deployments", "scale"));
        Assert.True(await CanAsync(admin, "patch", "deployments"));

        var review = await admin.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = "operator-token" } });
        Assert.True(review.Status.Authenticated);
        Assert.Equal("otto", review.Status.User.Username);
        Assert.Contains("operators", review.Status.User.Groups);
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => viewer.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = "operator-token" } }));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
    }

    static HttpClient RawClient(TestCluster cluster, string? token)
    {
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = cluster.ApiUri };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task With_a_token_file_only_health_probes_answer_before_authentication_and_faults_need_the_masters_group()
    {
        await using var cluster = await StartAsync();
        using var anonymous = RawClient(cluster, null);
        using var viewer = RawClient(cluster, "viewer-token");

        foreach (var probe in new[] { "/healthz", "/livez", "/readyz" })
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(probe)).StatusCode);
        foreach (var path in new[] { "/metrics", "/version", "/openapi/v3", "/_embedded/faults" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/_embedded/faults", new StringContent("{\"errorRate\":1,\"forSeconds\":60}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/_embedded/restart?seconds=60", null)).StatusCode);

        // An authenticated person without cluster-admin can neither break the cluster nor read its metrics.
        var faults = await viewer.PostAsync("/_embedded/faults", new StringContent("{\"errorRate\":1,\"forSeconds\":60}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, faults.StatusCode);
        Assert.Equal("forbidden: User \"vera\" cannot post path \"/_embedded/faults\"",
            System.Text.Json.JsonDocument.Parse(await faults.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/_embedded/restart?seconds=60", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/metrics")).StatusCode);
        Assert.True(cluster.Host.Server.IsRunning);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
    }

    [Fact]
    public async Task The_admin_token_is_made_anew_at_each_start_and_only_its_kubeconfig_holds_it()
    {
        await using var cluster = await StartAsync();
        await using var other = await StartAsync();

        // The old fixed token is nobody now.
        using var guessed = RawClient(cluster, "embedded-admin");
        Assert.Equal(HttpStatusCode.Unauthorized, (await guessed.GetAsync("/api/v1/namespaces/default/secrets")).StatusCode);
        var admin = cluster.Host.AdminToken;
        Assert.Matches("^[a-z0-9]{40,}$", admin);
        Assert.NotEqual(admin, other.Host.AdminToken);
        Assert.Contains(admin, await File.ReadAllTextAsync(cluster.Kubeconfig));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.Kubeconfig));
        using var real = RawClient(cluster, admin);
        Assert.Equal(HttpStatusCode.OK, (await real.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Without_a_token_file_a_token_the_cluster_never_issued_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        using var made_up = new HttpClient { BaseAddress = cluster.ApiUri };
        made_up.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "anything-at-all");
        using var admin = new HttpClient { BaseAddress = cluster.ApiUri };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cluster.Host.AdminToken);

        var refused = await made_up.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    const string ClusterAdminBinding = """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"pwned"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:unauthenticated","apiGroup":"rbac.authorization.k8s.io"}]}""";

    [Fact]
    public async Task Without_a_token_file_no_web_page_can_drive_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        using var http = new HttpClient { BaseAddress = cluster.ApiUri };
        const string path = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

        // A cross-site form: enctype text/plain carries a JSON body without a preflight.
        using var form = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(ClusterAdminBinding, System.Text.Encoding.UTF8, "text/plain") };
        form.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(form)).StatusCode);
        // The same without an Origin: a form's media type is no object.
        var plain = await http.PostAsync(path, new StringContent(ClusterAdminBinding, System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Contains("accepted media types include: application/json, application/yaml", await plain.Content.ReadAsStringAsync());
        var urlencoded = await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { [ClusterAdminBinding] = "" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, urlencoded.StatusCode);
        // DNS rebinding: a page at evil.example resolved to 127.0.0.1, same-origin to itself.
        using var rebound = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(ClusterAdminBinding, System.Text.Encoding.UTF8, "application/json") };
        rebound.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(rebound)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path + "/pwned")).StatusCode);
        // Programs on this machine still drive it as before.
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(path, new StringContent(ClusterAdminBinding, System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task A_field_name_a_header_cannot_carry_still_gets_its_warning_and_a_success()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        using var http = new HttpClient { BaseAddress = cluster.ApiUri };
        var body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"odd"},"data":{},"x\u0001\nWarning: 299 - \"forged\"\u00e9":1}""";

        var created = await http.PostAsync("/api/v1/namespaces/default/configmaps?fieldValidation=Warn", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var warning = Assert.Single(created.Headers.GetValues("Warning"));
        Assert.StartsWith("299 - \"unknown field", warning);
        Assert.DoesNotContain('\n', warning);
        Assert.Contains("x??Warning: 299 - \\\"forged\\\"?", warning);
    }
}
