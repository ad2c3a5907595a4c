using k8s;
using k8s.Models;
using Dashboard.Kubernetes;
using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>The seed articles' command lines, run with the real kubectl against the embedded cluster.</summary>
public class KubectlWorkflowTests
{
    static async Task<TestCluster> SeededAsync()
    {
        var cluster = await TestCluster.StartAsync();
        var ready = await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        Assert.True(ready.ExitCode == 0, ready.Output);
        return cluster;
    }

    [Fact]
    public async Task Set_image_rolls_out_and_rollout_status_reports_success()
    {
        await using var cluster = await SeededAsync();

        var set = await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        var status = await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        Assert.Equal("deployment.apps/flask-app image updated\n", set.Stdout);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Waiting for deployment \"flask-app\" rollout to finish:", status.Stdout);
        Assert.EndsWith("deployment \"flask-app\" successfully rolled out\n", status.Stdout);
        // Success means no old pod is still counted; some may still be Terminating, as in a real cluster.
        var pods = (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Where(p => p.Metadata.DeletionTimestamp is null);
        Assert.Equal(Enumerable.Repeat("docker.io/library/flask-app:2.0", 5), pods.Select(p => p.Spec.Containers[0].Image));
    }

    [Fact]
    public async Task Get_pods_watch_shows_old_pods_terminating_during_a_rollout()
    {
        await using var cluster = await SeededAsync();
        var watchesBefore = cluster.Host.Server.Metrics.OpenWatches("pods");
        var watch = cluster.KubectlAsync("get", "pods", "-w", "-l", "app=flask-app", "--request-timeout=8s");
        await cluster.WaitUntilAsync(() => Task.FromResult(cluster.Host.Server.Metrics.OpenWatches("pods") > watchesBefore), because: "kubectl's watch is open");

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        var output = (await watch).Stdout;

        Assert.StartsWith("NAME", output);
        Assert.Contains("READY   STATUS", output);
        Assert.Matches(@"flask-app-\w+-\w+\s+1/1\s+Terminating", output);
        Assert.Matches(@"flask-app-\w+-\w+\s+0/1\s+ContainerCreating", output);
    }

    [Fact]
    public async Task History_lists_revisions_with_change_causes_and_shows_one_revision_in_detail()
    {
        await using var cluster = await SeededAsync();
        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await cluster.KubectlAsync("annotate", "deployment/flask-app", "kubernetes.io/change-cause=ship 2.0");
        await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        var history = await cluster.KubectlAsync("rollout", "history", "deployment/flask-app");
        var detail = await cluster.KubectlAsync("rollout", "history", "deployment/flask-app", "--revision=2");
        var missing = await cluster.KubectlAsync("rollout", "history", "deployment/flask-app", "--revision=9");

        Assert.Equal("deployment.apps/flask-app \nREVISION  CHANGE-CAUSE\n1         <none>\n2         ship 2.0\n\n", history.Stdout);
        Assert.Contains("deployment.apps/flask-app with revision #2", detail.Stdout);
        Assert.Contains("Image:\tdocker.io/library/flask-app:2.0", detail.Stdout);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("unable to find the specified revision", missing.Stderr);
    }

    [Fact]
    public async Task Undo_returns_to_the_previous_template_and_renumbers_it_as_the_newest_revision()
    {
        await using var cluster = await SeededAsync();
        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        var undo = await cluster.KubectlAsync("rollout", "undo", "deployment/flask-app");
        await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        var history = await cluster.KubectlAsync("rollout", "history", "deployment/flask-app");
        var again = await cluster.KubectlAsync("rollout", "undo", "deployment/flask-app", "--to-revision=3");
        var missing = await cluster.KubectlAsync("rollout", "undo", "deployment/flask-app", "--to-revision=9");

        Assert.Equal("deployment.apps/flask-app rolled back\n", undo.Stdout);
        Assert.Equal("deployment.apps/flask-app \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n", history.Stdout);
        Assert.Contains("skipped rollback (current template already matches revision 3)", again.Stdout);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("error: unable to find specified revision 9 in history", missing.Stderr);
        var d = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default");
        Assert.Equal("docker.io/library/flask-app:1.0", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("3", d.Metadata.Annotations[WellKnown.RevisionAnnotation]);
        var rs = (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=flask-app")).Items
            .Single(r => r.Metadata.Annotations[WellKnown.RevisionAnnotation] == "3");
        Assert.Equal("1", rs.Metadata.Annotations[WellKnown.RevisionHistoryAnnotation]);
    }

    [Fact]
    public async Task The_second_articles_undo_to_revision_2_on_cloud_communal_service()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s");
        await cluster.KubectlAsync("set", "image", "deployment/cloud-communal-service", "cloud-communal-service=registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1", "-n", "cloud");
        await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=90s");
        await cluster.KubectlAsync("rollout", "undo", "deployment/cloud-communal-service", "-n", "cloud");

        var undo = await cluster.KubectlAsync("rollout", "undo", "deployment/cloud-communal-service", "-n", "cloud", "--to-revision=2");
        var status = await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=90s");

        Assert.Equal("deployment.apps/cloud-communal-service rolled back\n", undo.Stdout);
        Assert.Equal(0, status.ExitCode);
        var wide = await cluster.KubectlAsync("get", "pods", "-n", "cloud", "-o", "wide");
        Assert.Contains("IP", wide.Stdout);
        Assert.Contains("NODE", wide.Stdout);
        var image = await cluster.KubectlAsync("get", "deployment", "cloud-communal-service", "-n", "cloud", "-o", "jsonpath={.spec.template.spec.containers[0].image}");
        Assert.Equal("registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1", image.Stdout);
    }

    [Fact]
    public async Task Pause_holds_template_changes_until_resume_and_refuses_restart_and_undo()
    {
        await using var cluster = await SeededAsync();
        // Two revisions, so undo has somewhere to go: kubectl looks for history before it checks pause.
        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        Assert.Equal("deployment.apps/flask-app paused\n", (await cluster.KubectlAsync("rollout", "pause", "deployment/flask-app")).Stdout);
        Assert.Contains("error: deployments.apps \"flask-app\" is already paused", (await cluster.KubectlAsync("rollout", "pause", "deployment/flask-app")).Stderr);
        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:3.0");
        Assert.Contains("can't restart paused deployment (run rollout resume first)", (await cluster.KubectlAsync("rollout", "restart", "deployment/flask-app")).Stderr);
        Assert.Contains("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again", (await cluster.KubectlAsync("rollout", "undo", "deployment/flask-app")).Stderr);
        await cluster.WaitUntilAsync(async () => await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default") is { } d && d.Status.ObservedGeneration == d.Metadata.Generation,
            because: "the controller saw the paused template change");
        Assert.Equal(2, (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=flask-app")).Items.Count);
        var paused = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default");
        Assert.Contains(paused.Status.Conditions, c => c.Type == "Progressing" && c.Reason == "DeploymentPaused" && c.Status == "Unknown");

        Assert.Equal("deployment.apps/flask-app resumed\n", (await cluster.KubectlAsync("rollout", "resume", "deployment/flask-app")).Stdout);
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);
        Assert.Equal(3, (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=flask-app")).Items.Count);
        Assert.Contains("is not paused", (await cluster.KubectlAsync("rollout", "resume", "deployment/flask-app")).Stderr);
    }

    [Fact]
    public async Task Restart_rolls_every_pod_and_scale_changes_the_replica_count()
    {
        await using var cluster = await SeededAsync();
        var before = (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Select(p => p.Metadata.Name).ToHashSet();

        Assert.Equal("deployment.apps/flask-app restarted\n", (await cluster.KubectlAsync("rollout", "restart", "deployment/flask-app")).Stdout);
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);
        await cluster.WaitUntilAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Count == 5);
        var after = (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items;
        Assert.DoesNotContain(after, p => before.Contains(p.Metadata.Name));
        Assert.All(after, p => Assert.True(p.Metadata.Annotations?.ContainsKey("kubectl.kubernetes.io/restartedAt")));

        Assert.Equal("deployment.apps/flask-app scaled\n", (await cluster.KubectlAsync("scale", "deployment/flask-app", "--replicas=2")).Stdout);
        await cluster.WaitUntilAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Count == 2, because: "scaled to 2");
        var table = await cluster.KubectlAsync("get", "deployment", "flask-app");
        Assert.Matches(@"flask-app\s+2/2\s+2\s+2\s+", table.Stdout);
    }

    [Fact]
    public async Task Apply_creates_then_updates_with_strict_validation_and_refuses_unknown_fields()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var file = Path.Combine(Path.GetTempPath(), $"web-{Guid.NewGuid():N}.yaml");
        const string Manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
            """;
        await File.WriteAllTextAsync(file, Manifest);
        try
        {
            Assert.Equal("deployment.apps/web created\n", (await cluster.KubectlAsync("apply", "-f", file)).Stdout);
            await File.WriteAllTextAsync(file, Manifest.Replace("nginx:1.25", "nginx:1.26"));
            Assert.Equal("deployment.apps/web configured\n", (await cluster.KubectlAsync("apply", "-f", file)).Stdout);
            Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/web", "--timeout=60s")).ExitCode);

            await File.WriteAllTextAsync(file, Manifest.Replace("replicas: 2", "replicass: 2"));
            var refused = await cluster.KubectlAsync("apply", "-f", file);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("strict decoding error: unknown field \"spec.replicass\"", refused.Stderr);
            var d = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
            Assert.Equal(2, d.Spec.Replicas);
            Assert.Equal("nginx:1.26", d.Spec.Template.Spec.Containers[0].Image);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Kubectl_get_prints_the_real_columns_and_not_found_errors()
    {
        await using var cluster = await SeededAsync();

        var deployments = await cluster.KubectlAsync("get", "deployments");
        var pods = await cluster.KubectlAsync("get", "pods", "-n", "cloud");
        var missing = await cluster.KubectlAsync("get", "deployment", "nope");

        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE", deployments.Stdout);
        Assert.Matches(@"flask-app\s+5/5\s+5\s+5", deployments.Stdout);
        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", pods.Stdout);
        Assert.Equal("Error from server (NotFound): deployments.apps \"nope\" not found\n", missing.Stderr);
    }

    [Fact]
    public async Task A_rolling_update_of_five_replicas_at_25_percent_never_exceeds_seven_pods_or_drops_below_four_ready()
    {
        await using var cluster = await SeededAsync();
        var store = cluster.Host.Cluster.Store;
        var samples = 0;
        var maxActive = 0;
        var minReady = int.MaxValue;
        var gate = new Lock();
        // Sample at every committed change: the strictest "no moment" there is.
        store.AddListener(change =>
        {
            if (change.Object.Type != ResourceTypes.Pods) return;
            var pods = store.Where(ResourceTypes.Pods, "default", o => o.Object["metadata"]?["labels"]?["app"]?.ToString() == "flask-app")
                .Select(o => k8s.KubernetesJson.Deserialize<V1Pod>(o.Json)).ToList();
            var active = pods.Count(PodState.IsActive);
            var ready = pods.Count(p => PodState.IsActive(p) && PodState.IsReady(p));
            lock (gate)
            {
                samples++;
                maxActive = Math.Max(maxActive, active);
                minReady = Math.Min(minReady, ready);
            }
        });

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);

        lock (gate)
        {
            Assert.True(samples > 20, $"only {samples} samples");
            Assert.True(maxActive <= 7, $"{maxActive} active pods at once");
            Assert.True(maxActive > 5, "the rollout never surged");
            Assert.True(minReady >= 4, $"only {minReady} ready pods at one moment");
        }
    }

    [Fact]
    public async Task A_broken_image_stalls_in_image_pull_back_off_and_a_crashing_one_crash_loops()
    {
        await using var cluster = await SeededAsync();

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:broken");
        await cluster.WaitUntilAsync(async () => (await cluster.KubectlAsync("get", "pods")).Stdout.Contains("ImagePullBackOff"), because: "the new pods cannot pull");
        var stalled = await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--watch=false");
        Assert.Contains("out of 5 new replicas have been updated", stalled.Stdout);

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:crash");
        await cluster.WaitUntilAsync(async () => (await cluster.KubectlAsync("get", "pods")).Stdout.Contains("CrashLoopBackOff"), TimeSpan.FromSeconds(30), "the new pods crash");
        var running = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default");
        Assert.True(running.Status.AvailableReplicas >= 4, "the old pods keep serving while the new ones fail");
    }

    [Fact]
    public async Task A_rollout_that_stops_progressing_exceeds_its_deadline_and_rollout_status_fails()
    {
        await using var cluster = await SeededAsync();
        await cluster.KubectlAsync("patch", "deployment/flask-app", "-p", "{\"spec\":{\"progressDeadlineSeconds\":3}}");

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:broken");
        var status = await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        Assert.Equal(1, status.ExitCode);
        Assert.Contains("error: deployment \"flask-app\" exceeded its progress deadline", status.Stderr);
        var d = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("flask-app", "default");
        var progressing = d.Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal(("False", "ProgressDeadlineExceeded"), (progressing.Status, progressing.Reason));
        Assert.EndsWith("has timed out progressing.", progressing.Message);
    }

    [Fact]
    public async Task Recreate_stops_every_old_pod_before_the_first_new_one_starts()
    {
        await using var cluster = await SeededAsync();
        await cluster.KubectlAsync("patch", "deployment/flask-app", "--type=merge", "-p", "{\"spec\":{\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}");
        var store = cluster.Host.Cluster.Store;
        var overlap = false;
        store.AddListener(change =>
        {
            if (change.Object.Type != ResourceTypes.Pods) return;
            var images = store.Where(ResourceTypes.Pods, "default", o => o.Object["metadata"]?["labels"]?["app"]?.ToString() == "flask-app")
                .Select(o => o.Object["spec"]!["containers"]![0]!["image"]!.ToString()).Distinct().Count();
            if (images > 1) overlap = true;
        });

        await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);

        Assert.False(overlap, "old and new pods existed at the same time");
    }

    [Fact]
    public async Task Deleting_with_cascade_orphan_keeps_the_replica_sets_and_their_pods()
    {
        await using var cluster = await SeededAsync();

        var deleted = await cluster.KubectlAsync("delete", "deployment/flask-app", "--cascade=orphan");
        await cluster.WaitUntilAsync(async () => (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=flask-app")).Items.All(rs => rs.Metadata.OwnerReferences is null or { Count: 0 }),
            because: "the garbage collector orphaned the ReplicaSet");

        Assert.Equal(0, deleted.ExitCode);
        var rs = Assert.Single((await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync("default", labelSelector: "app=flask-app")).Items);
        Assert.True(rs.Metadata.OwnerReferences is null or { Count: 0 }, "the orphaned ReplicaSet no longer names its deleted owner");
        Assert.Equal(5, (await cluster.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=flask-app")).Items.Count(p => p.Metadata.DeletionTimestamp is null));
    }
}
