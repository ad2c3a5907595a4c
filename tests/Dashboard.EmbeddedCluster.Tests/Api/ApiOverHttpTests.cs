using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>The embedded cluster as KubernetesClient sees it over HTTP: the same code path the dashboard uses.</summary>
public class ApiOverHttpTests
{
    static V1Deployment Web(string name = "web", int replicas = 2, string image = "nginx:1.25") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = name, Image = image }] },
            },
        },
    };

    [Fact]
    public async Task Created_deployments_are_defaulted_and_start_at_generation_one()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);

        var created = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");

        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        Assert.Equal("25%", created.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, created.Spec.RevisionHistoryLimit);
        Assert.Equal(600, created.Spec.ProgressDeadlineSeconds);
        Assert.Equal(30, created.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal("IfNotPresent", created.Spec.Template.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("/dev/termination-log", created.Spec.Template.Spec.Containers[0].TerminationMessagePath);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
    }

    [Fact]
    public async Task A_deployment_rolls_out_its_pods_through_its_replica_set()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(replicas: 3), "default");

        await cluster.WaitUntilAsync(async () =>
            (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status?.AvailableReplicas == 3, because: "3 pods are available");

        var rs = (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=web")).Items.Single();
        var pods = (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web")).Items;
        Assert.Equal("1", rs.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.StartsWith(rs.Metadata.Name + "-", p.Metadata.Name));
        Assert.All(pods, p => Assert.Equal(rs.Metadata.Labels["pod-template-hash"], p.Metadata.Labels["pod-template-hash"]));
        Assert.All(pods, p => Assert.Equal("Running", p.Status.Phase));
    }

    [Fact]
    public async Task Spec_changes_bump_generation_but_status_updates_do_not()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");
        await cluster.WaitUntilAsync(async () => (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status?.ObservedGeneration == 1);

        var patch = new V1Patch("{\"spec\":{\"replicas\":3}}", V1Patch.PatchType.MergePatch);
        var scaled = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default");
        Assert.Equal(2, scaled.Metadata.Generation);

        var annotated = await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"metadata\":{\"annotations\":{\"kubernetes.io/change-cause\":\"why\"}}}", V1Patch.PatchType.MergePatch), "web", "default");
        Assert.Equal(3, annotated.Metadata.Generation);
    }

    [Fact]
    public async Task A_stale_resource_version_is_a_409_conflict_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var created = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");
        await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("{\"spec\":{\"replicas\":4}}", V1Patch.PatchType.MergePatch), "web", "default");

        created.Spec.Replicas = 9;
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", "default"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("the object has been modified", error.Response.Content);
        Assert.Equal(4, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Spec.Replicas);
    }

    [Fact]
    public async Task A_json_patch_test_operation_is_a_precondition()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");

        var patch = new V1Patch("[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":7},{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]", V1Patch.PatchType.JsonPatch);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default"));

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Equal(2, (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Spec.Replicas);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("UPPER")]
    [InlineData("-leading")]
    public async Task Invalid_names_are_refused_with_the_rfc_1123_message(string name)
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var bad = Web();
        bad.Metadata.Name = name;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(bad, "default"));

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("a lowercase RFC 1123 subdomain must consist of", error.Response.Content);
        Assert.Empty((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("default")).Items);
    }

    [Fact]
    public async Task The_selector_of_a_deployment_is_immutable()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");

        var patch = new V1Patch("{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"other\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"other\"}}}}}", V1Patch.PatchType.StrategicMergePatch);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default"));

        Assert.Equal(422, (int)error.Response.StatusCode);
        Assert.Contains("field is immutable", error.Response.Content);
    }

    [Fact]
    public async Task Missing_objects_and_unknown_resources_answer_with_kubernetes_status_errors()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("nope", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("deployments.apps \\\"nope\\\" not found", missing.Response.Content);

        using var http = new HttpClient { BaseAddress = cluster.ApiUri };
        var unknown = await http.GetAsync("/apis/apps/v1/namespaces/default/gizmos");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Malformed_json_and_unknown_fields_under_strict_validation_are_bad_requests()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        using var http = new HttpClient { BaseAddress = cluster.ApiUri };

        var malformed = await http.PostAsync("/apis/apps/v1/namespaces/default/deployments", new StringContent("{\"kind\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var body = KubernetesJson.Serialize(Web()).Replace("\"replicas\":2", "\"replicass\":2");
        var strict = await http.PostAsync("/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Contains("unknown field \\\"spec.replicass\\\"", await strict.Content.ReadAsStringAsync());
        Assert.Empty((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("default")).Items);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.WaitUntilAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("default")).Items.Count == 5);

        Assert.Equal(5, (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app in (flask-app,other)")).Items.Count);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app!=flask-app")).Items);
        Assert.Single((await cluster.Client.AppsV1.ListDeploymentForAllNamespacesAsync(fieldSelector: "metadata.namespace=cloud")).Items);
        Assert.Single((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("default", fieldSelector: "metadata.name=flask-app")).Items);
    }

    [Fact]
    public async Task A_watch_resumes_from_a_resource_version_and_sees_deletions()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var list = await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("default");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, d) in cluster.Client.AppsV1.WatchListNamespacedDeploymentAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                seen.Add((type, d.Metadata.Name));
                if (type == WatchEventType.Deleted) break;
            }
        }, cts.Token);

        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default");
        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("web", "default");
        await watching;

        Assert.Equal((WatchEventType.Added, "web"), seen[0]);
        Assert.Equal((WatchEventType.Deleted, "web"), seen[^1]);
    }

    [Fact]
    public async Task A_watch_from_an_expired_resource_version_reports_410_through_the_error_callback()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        cluster.Host.Cluster.Store.ExpireHistory();
        Exception? reported = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await foreach (var _ in cluster.Client.AppsV1.WatchListNamespacedDeploymentAsync("default", resourceVersion: "1", onError: e => reported = e, cancellationToken: cts.Token))
        {
        }

        var status = Assert.IsType<KubernetesException>(reported);
        Assert.Equal(410, status.Status.Code);
        Assert.Equal("Expired", status.Status.Reason);
    }

    [Fact]
    public async Task Deleting_a_deployment_collects_its_replica_sets_and_pods()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.WaitUntilAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Count == 5);

        await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync("flask-app", "default");

        await cluster.WaitUntilAsync(async () =>
            (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default")).Items.Count == 0
            && (await cluster.Client.CoreV1.ListNamespacedPodAsync("default")).Items.Count == 0, because: "the garbage collector removed the dependents");
    }

    [Fact]
    public async Task Services_publish_endpoints_of_ready_pods()
    {
        await using var cluster = await TestCluster.StartAsync();

        await cluster.WaitUntilAsync(async () =>
        {
            // The endpoints controller creates the object shortly after start: until then it is simply not there yet.
            var ep = (await cluster.Client.CoreV1.ListNamespacedEndpointsAsync("default", fieldSelector: "metadata.name=flask-service")).Items.SingleOrDefault();
            return ep?.Subsets?.SingleOrDefault()?.Addresses?.Count == 5;
        }, because: "five ready flask pods are endpoints");
        var endpoints = await cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("flask-service", "default");
        Assert.Equal(5000, endpoints.Subsets.Single().Ports.Single().Port);
    }

    [Fact]
    public async Task The_metrics_endpoint_counts_open_watches_with_the_apiserver_metric_names()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        using var cts = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            try { await foreach (var _ in cluster.Client.CoreV1.WatchListNamespacedPodAsync("default", cancellationToken: cts.Token)) { } }
            catch (OperationCanceledException) { }
        });
        using var http = new HttpClient { BaseAddress = cluster.ApiUri };

        await cluster.WaitUntilAsync(async () =>
            (await http.GetStringAsync("/metrics")).Contains("apiserver_longrunning_requests{component=\"apiserver\",resource=\"pods\",verb=\"WATCH\"} 1"));
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("apiserver_request_total{code=\"200\",component=\"apiserver\",resource=\"pods\",verb=\"WATCH\"}", metrics);

        await cts.CancelAsync();
        await watch;
    }

    [Fact]
    public async Task Acknowledged_writes_survive_a_restart_with_a_data_path()
    {
        var data = Path.Combine(Path.GetTempPath(), "embedded-tests", "data-" + Guid.NewGuid().ToString("N"));
        string uid;
        await using (var first = await TestCluster.StartAsync(seed: false, dataPath: data))
        {
            uid = (await first.Client.AppsV1.CreateNamespacedDeploymentAsync(Web(), "default")).Metadata.Uid;
        }

        await using var second = await TestCluster.StartAsync(seed: false, dataPath: data);
        var restored = await second.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");

        Assert.Equal(uid, restored.Metadata.Uid);
        await second.WaitUntilAsync(async () => (await second.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status?.AvailableReplicas == 2);
    }

    [Fact]
    public async Task A_restart_drops_connections_refuses_new_ones_for_a_while_and_keeps_the_state()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var http = new HttpClient { BaseAddress = cluster.ApiUri, Timeout = TimeSpan.FromSeconds(2) };

        var accepted = await http.PostAsync("/_embedded/restart?seconds=2", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await cluster.WaitUntilAsync(async () =>
        {
            try { await http.GetAsync("/version"); return false; }
            catch (HttpRequestException) { return true; }
        }, TimeSpan.FromSeconds(5), "the API server is down");

        await cluster.WaitUntilAsync(async () =>
        {
            try { return (await http.GetAsync("/version")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) { return false; }
        }, TimeSpan.FromSeconds(10), "the API server is back");
        Assert.Single((await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("default")).Items);
    }
}
