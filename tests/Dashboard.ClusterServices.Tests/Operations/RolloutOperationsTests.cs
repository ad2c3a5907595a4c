using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.EmbeddedCluster;
using k8s;
using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Tests;

public class RolloutOperationsTests
{
    const string Ns = "default";
    const string Name = "flask-app";

    static async Task<V1Deployment> Read(ServiceHarness h) => await h.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync(Name, Ns);

    [Fact]
    public async Task Set_image_writes_the_image_and_the_change_cause_in_one_patch_and_records_an_event()
    {
        await using var h = await ServiceHarness.StartAsync();

        var result = await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:2.0", "ship 2.0", "alice");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        Assert.Equal(OperationOutcome.Succeeded, result.Outcome);
        var d = await Read(h);
        Assert.Equal("docker.io/library/flask-app:2.0", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("ship 2.0", d.Metadata.Annotations[WellKnown.ChangeCauseAnnotation]);
        var history = await h.Cluster.KubectlAsync("rollout", "history", "deployment/flask-app");
        Assert.Contains("2         ship 2.0", history.Stdout);
        var events = await h.Cluster.Client.CoreV1.ListNamespacedEventAsync(Ns);
        Assert.Contains(events.Items, e => e.Reason == "ImageChanged" && e.Message.Contains("alice set image flask-app=docker.io/library/flask-app:2.0 (was docker.io/library/flask-app:1.0)"));
    }

    [Fact]
    public async Task History_and_rollback_match_what_kubectl_reports_and_does()
    {
        await using var h = await ServiceHarness.StartAsync();
        await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:2.0", "two", "alice");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        var rollback = await h.Operations.RollbackAsync(Ns, Name, 1, "alice");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        var history = await h.Operations.HistoryAsync(Ns, Name);
        var kubectl = await h.Cluster.KubectlAsync("rollout", "history", "deployment/flask-app");

        Assert.Equal(OperationOutcome.Succeeded, rollback.Outcome);
        Assert.Equal("deployment.apps/flask-app \nREVISION  CHANGE-CAUSE\n2         two\n3         <none>\n\n", kubectl.Stdout);
        Assert.Equal([2L, 3L], history.Revisions.Select(r => r.Revision));
        Assert.Equal(["two", null], history.Revisions.Select(r => r.ChangeCause));
        Assert.True(history.Revisions.Single(r => r.Revision == 3).IsCurrent);
        Assert.Equal("docker.io/library/flask-app:1.0", (await Read(h)).Spec.Template.Spec.Containers[0].Image);
        var again = await h.Operations.RollbackAsync(Ns, Name, 3, "alice");
        Assert.Equal(OperationOutcome.Skipped, again.Outcome);
        Assert.Contains("already matches revision 3", again.Message);
    }

    [Fact]
    public async Task A_dry_run_rollback_shows_the_diff_and_changes_nothing()
    {
        await using var h = await ServiceHarness.StartAsync();
        await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:2.0", null, "alice");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        // Settled: the old pods that were still terminating have gone (status.terminatingReplicas counts them down).
        await h.Cluster.WaitUntilAsync(async () => (await Read(h)).Status.TerminatingReplicas is null or 0, because: "no pod is terminating");
        var before = (await Read(h)).Metadata.ResourceVersion;

        var dry = await h.Operations.RollbackAsync(Ns, Name, 1, "alice", dryRun: true);
        var diff = await h.Operations.DiffAsync(Ns, Name, 1);

        Assert.Equal(OperationOutcome.Succeeded, dry.Outcome);
        Assert.Contains("- ", dry.Diff);
        Assert.Contains("+ ", dry.Diff);
        Assert.Contains("flask-app:1.0", dry.Diff);
        Assert.Contains("flask-app:1.0", diff.Diff);
        Assert.Equal(before, (await Read(h)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Paused_deployments_refuse_rollback_and_restart_and_pause_resume_are_idempotent()
    {
        await using var h = await ServiceHarness.StartAsync();
        await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:2.0", null, "alice");

        Assert.Equal(OperationOutcome.Succeeded, (await h.Operations.PauseAsync(Ns, Name, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Skipped, (await h.Operations.PauseAsync(Ns, Name, "alice")).Outcome);
        var rollback = await h.Operations.RollbackAsync(Ns, Name, 1, "alice");
        var restart = await h.Operations.RestartAsync(Ns, Name, "alice");
        Assert.Equal(OperationOutcome.Refused, rollback.Outcome);
        Assert.Contains("paused", rollback.Message);
        Assert.Equal(OperationOutcome.Refused, restart.Outcome);
        Assert.Equal(OperationOutcome.Succeeded, (await h.Operations.ResumeAsync(Ns, Name, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Skipped, (await h.Operations.ResumeAsync(Ns, Name, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Succeeded, (await h.Operations.RestartAsync(Ns, Name, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Succeeded, (await h.Operations.ScaleAsync(Ns, Name, 3, "alice")).Outcome);
        Assert.Equal(3, (await Read(h)).Spec.Replicas);
    }

    [Theory]
    [InlineData("flask app:2.0")]
    [InlineData("Docker.io/Library/Flask:2.0")]
    [InlineData("docker.io/library/../flask:2.0")]
    [InlineData("flask:2.0; rm -rf /")]
    [InlineData("")]
    [InlineData("repo:tag\u0000")]
    public async Task Malformed_images_are_refused_before_anything_is_sent(string image)
    {
        await using var h = await ServiceHarness.StartAsync();
        var before = (await Read(h)).Metadata.ResourceVersion;

        var result = await h.Operations.SetImageAsync(Ns, Name, null, image, null, "alice");

        Assert.Equal(OperationOutcome.Invalid, result.Outcome);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Equal(before, (await Read(h)).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Overlong_images_unknown_containers_missing_revisions_and_bad_names_are_typed_refusals()
    {
        await using var h = await ServiceHarness.StartAsync();
        var before = (await Read(h)).Metadata.ResourceVersion;

        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.SetImageAsync(Ns, Name, null, "a" + new string('b', 600) + ":1", null, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.SetImageAsync(Ns, Name, "nope", "nginx:1.27", null, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.RollbackAsync(Ns, Name, 999999, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.RollbackAsync(Ns, Name, -1, "alice")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.PauseAsync(Ns, "a/b", "alice")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await h.Operations.PauseAsync("déf", Name, "alice")).Outcome);
        Assert.Equal(OperationOutcome.NotFound, (await h.Operations.PauseAsync(Ns, "nope", "alice")).Outcome);
        Assert.Equal(before, (await Read(h)).Metadata.ResourceVersion);
    }

    /// <summary>Another writer changes the Deployment just before each of our PATCHes lands.</summary>
    sealed class InterferingWriter(Func<ServiceHarness> harness, int times, bool statusOnly = false) : DelegatingHandler
    {
        public int Patches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Patch && request.RequestUri!.AbsolutePath.EndsWith("/deployments/flask-app", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref Patches) <= times)
                {
                    var api = harness().Cluster.Host.Cluster.Api;
                    if (statusOnly)
                        api.Patch(ResourceTypes.Deployments, Ns, Name, "application/merge-patch+json", $"{{\"status\":{{\"observedGeneration\":{100 + Patches}}}}}", "status");
                    else
                        api.Patch(ResourceTypes.Deployments, Ns, Name, "application/merge-patch+json", $"{{\"metadata\":{{\"annotations\":{{\"other\":\"{Patches}\"}}}}}}");
                }
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task A_conflict_is_reread_and_retried()
    {
        ServiceHarness? h = null;
        var writer = new InterferingWriter(() => h!, times: 2);
        await using var harness = h = await ServiceHarness.StartAsync(null, writer);

        var result = await h.Operations.ScaleAsync(Ns, Name, 4, "alice");

        Assert.Equal(OperationOutcome.Succeeded, result.Outcome);
        Assert.Equal(3, writer.Patches);
        Assert.Equal(4, (await Read(h)).Spec.Replicas);
    }

    [Fact]
    public async Task Status_writes_between_reading_and_patching_are_not_conflicts()
    {
        ServiceHarness? h = null;
        var writer = new InterferingWriter(() => h!, times: int.MaxValue, statusOnly: true);
        await using var harness = h = await ServiceHarness.StartAsync(null, writer);

        var result = await h.Operations.ScaleAsync(Ns, Name, 4, "alice");

        Assert.Equal(OperationOutcome.Succeeded, result.Outcome);
        Assert.Equal(1, writer.Patches);
    }

    [Fact]
    public async Task Three_conflicts_in_a_row_are_reported_and_change_nothing()
    {
        ServiceHarness? h = null;
        var writer = new InterferingWriter(() => h!, times: int.MaxValue);
        await using var harness = h = await ServiceHarness.StartAsync(null, writer);

        var result = await h.Operations.RollbackAsync(Ns, Name, 0, "alice");
        var scale = await h.Operations.ScaleAsync(Ns, Name, 4, "alice");

        Assert.Equal(OperationOutcome.Invalid, result.Outcome); // no previous revision yet
        Assert.Equal(OperationOutcome.Conflict, scale.Outcome);
        Assert.Equal(3, writer.Patches);
        Assert.Equal(5, (await Read(h)).Spec.Replicas);
    }

    [Fact]
    public async Task Rollout_state_reads_like_kubectl_and_flags_stuck_and_paused_rollouts()
    {
        await using var h = await ServiceHarness.StartAsync();
        var deployments = await h.Cache.SubscribeDeploymentsAsync(Ns);
        var d = deployments.Snapshot.Single(x => x.Name == Name);
        Assert.Equal(RolloutPhase.Complete, RolloutStatus.Evaluate(d, []).Phase);
        Assert.Equal("deployment \"flask-app\" successfully rolled out", RolloutStatus.Evaluate(d, []).Message);
        Assert.Equal(2, d.MaxSurge);
        Assert.Equal(1, d.MaxUnavailable);

        await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:broken", null, "alice");
        await h.Cluster.WaitUntilAsync(async () => (await h.Cluster.KubectlAsync("get", "pods")).Stdout.Contains("ImagePullBackOff"));
        var pods = await h.Cache.SubscribePodsAsync(Ns);
        var fresh = ViewMapper.Deployment(await Read(h));
        var state = RolloutStatus.Evaluate(fresh, pods.Snapshot.Where(p => p.Images.Contains("docker.io/library/flask-app:broken")));
        Assert.Equal(RolloutPhase.Stuck, state.Phase);
        Assert.Contains("ImagePullBackOff", state.Detail);
        Assert.StartsWith("Waiting for deployment \"flask-app\" rollout to finish", state.Message);

        await h.Operations.PauseAsync(Ns, Name, "alice");
        Assert.Equal(RolloutPhase.Paused, RolloutStatus.Evaluate(ViewMapper.Deployment(await Read(h)), []).Phase);
        await pods.DisposeAsync();
        await deployments.DisposeAsync();
    }

    [Fact]
    public async Task During_an_outage_a_mutation_fails_fast_with_a_clear_message()
    {
        await using var h = await ServiceHarness.StartAsync();
        await h.Cluster.Host.Server.StopAsync();
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = await h.Operations.ScaleAsync(Ns, Name, 4, "alice");
            Assert.Equal(OperationOutcome.Unavailable, result.Outcome);
            Assert.Contains("nothing was changed", result.Message, StringComparison.OrdinalIgnoreCase);
            var second = await h.Operations.ScaleAsync(Ns, Name, 4, "alice");
            Assert.Equal(OperationOutcome.Unavailable, second.Outcome);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(20));
        }
        finally
        {
            await h.Cluster.Host.Server.StartAsync();
        }
        Assert.Equal(5, (await Read(h)).Spec.Replicas);
    }

    /// <summary>The PATCH reaches the cluster and is applied; the answer never comes back.</summary>
    sealed class LostAnswer : DelegatingHandler
    {
        public int Patches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Patch && Interlocked.Increment(ref Patches) == 1)
            {
                response.Dispose();
                throw new HttpRequestException("Connection reset by peer");
            }
            return response;
        }
    }

    [Fact]
    public async Task A_change_whose_answer_is_lost_is_sent_once_applied_once_and_reported_as_uncertain()
    {
        var lost = new LostAnswer();
        await using var h = await ServiceHarness.StartAsync(null, lost);
        var generation = (await Read(h)).Metadata.Generation;

        var result = await h.Operations.SetImageAsync(Ns, Name, null, "docker.io/library/flask-app:2.0", "ship 2.0", "alice");

        Assert.Equal(OperationOutcome.Unavailable, result.Outcome);
        Assert.Contains("may or may not have been applied", result.Message);
        Assert.Equal(1, lost.Patches);
        var d = await Read(h);
        Assert.Equal(generation + 1, d.Metadata.Generation);
        Assert.Equal("docker.io/library/flask-app:2.0", d.Spec.Template.Spec.Containers[0].Image);
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        var history = await h.Operations.HistoryAsync(Ns, Name);
        Assert.Equal([1L, 2L], history.Revisions.Select(r => r.Revision).Order());
    }

    [Fact]
    public async Task Reads_retry_through_429s_honouring_retry_after()
    {
        await using var h = await ServiceHarness.StartAsync();
        using var http = new HttpClient { BaseAddress = h.Cluster.ApiUri };
        (await http.PostAsync("/_embedded/faults", new StringContent("{\"errorRate\":1.0,\"errorCode\":429,\"retryAfterSeconds\":1,\"forSeconds\":1.5}", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var history = await h.Operations.HistoryAsync(Ns, Name);

        Assert.Equal(OperationOutcome.Succeeded, history.Outcome);
        Assert.Single(history.Revisions);
    }
}
