using System.Diagnostics;
using Dashboard.ClusterServices.Guard;
using Dashboard.Records;
using Dashboard.Testing;
using Dashboard.Web.Cluster;
using Dashboard.Web.Records;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>The rollout guard on the embedded cluster, driven by the real kubectl as a CI job would drive it.</summary>
public sealed class RolloutGuardTests
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
    string _kubeconfig = "";

    async Task<WebApplicationFactory<Program>> StartAsync()
    {
        var factory = TestApp.OnEmbeddedCluster(_dir, timeScale: 0.2);
        factory.CreateClient().Dispose();
        _kubeconfig = factory.Services.GetRequiredService<ClusterConnection>().Kubeconfig!;
        await KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        await factory.Services.GetRequiredService<RolloutRecorder>().Looked.WaitAsync(TimeSpan.FromSeconds(60));
        return factory;
    }

    async Task<string> KubectlAsync(params string[] args)
    {
        var result = await Kubectl.RunAsync(_kubeconfig, args);
        Assert.True(result.ExitCode == 0, result.Output);
        return result.Stdout;
    }

    Task<string> ImageAsync() => KubectlAsync("get", "deployment/flask-app", "-o", "jsonpath={.spec.template.spec.containers[0].image}");

    static RolloutGuard Guard(WebApplicationFactory<Program> app) => app.Services.GetRequiredService<RolloutGuardHost>().Guard!;

    [Fact]
    public async Task A_crash_looping_new_version_of_a_guarded_Deployment_is_rolled_back_within_its_stuck_seconds_and_five()
    {
        await using var app = await StartAsync();
        await KubectlAsync("annotate", "deployment/flask-app", "rollout-dashboard.io/guard=rollback", "rollout-dashboard.io/guard-stuck-seconds=5");

        var clock = Stopwatch.StartNew();
        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash");
        while (await ImageAsync() != "docker.io/library/flask-app:1.0")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5 + 5), $"not rolled back after {clock.Elapsed.TotalSeconds:0.0} s");
            await Task.Delay(200);
        }
        await KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        var action = Assert.Single(Guard(app).Actions());
        Assert.Equal((GuardMode.Rollback, 2L, 1L), (action.Mode, action.Revision, action.ToRevision));
        Assert.True(action.Sentence.StartsWith("guard rolled back flask-app to revision 1: ", StringComparison.Ordinal), action.Sentence);
        // Whichever comes first: the crash-looping pods, or the probe counting the requests they fail (flask-app is behind a Service).
        Assert.Matches(@"(new pod flask-app-\S+ (has been in CrashLoopBackOff|has not been ready) for \d+ s \(limit 5 s\)|\d+ of \d+ requests failed, [\d.]+% > 1%)$", action.Sentence);
        // As the dashboard's own action: the audit, the Event, and the rollback's record name the guard.
        var audit = (await app.Services.GetRequiredService<RecordsDatabase>().Store!.AuditAsync()).First();
        Assert.Equal(("rollout guard", "Rollback", "Succeeded", action.Sentence), (audit.Person, audit.Action, audit.Outcome, audit.Message));
        Assert.Contains("rollout guard rolled", await KubectlAsync("get", "events", "--field-selector", "involvedObject.name=flask-app", "-o", "jsonpath={.items[*].message}"));
        var store = app.Services.GetRequiredService<RecordsDatabase>().Store!;
        for (var waited = Stopwatch.StartNew(); ; await Task.Delay(200))
        {
            var three = (await store.RolloutPageAsync(new RolloutQuery { Workload = "flask-app", Revision = 3 })).Items.FirstOrDefault();
            var two = (await store.RolloutPageAsync(new RolloutQuery { Workload = "flask-app", Revision = 2 })).Items.FirstOrDefault();
            // The rolled-back rollout's record says what the guard did and why (every replica reads it from the Deployment).
            if (three is { Outcome: RolloutOutcome.Complete } && two is { Outcome: RolloutOutcome.RolledBack } && two.OutcomeDetail == action.Sentence)
            {
                Assert.Equal("rollout guard", three.StartedBy);
                break;
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"records: {two?.Outcome} ({two?.OutcomeDetail}) / {three?.Outcome}");
        }
        // The rollback is the guard's own: it is not guarded against, and nothing more happens.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(Guard(app).Actions());
    }

    [Fact]
    public async Task A_guard_set_to_pause_pauses_the_bad_rollout_once_and_its_record_says_why()
    {
        await using var app = await StartAsync();
        await KubectlAsync("annotate", "deployment/flask-app", "rollout-dashboard.io/guard=pause", "rollout-dashboard.io/guard-stuck-seconds=5");

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash");
        for (var waited = Stopwatch.StartNew(); await KubectlAsync("get", "deployment/flask-app", "-o", "jsonpath={.spec.paused}") != "true"; await Task.Delay(200))
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), "not paused");

        var action = Assert.Single(Guard(app).Actions());
        Assert.Equal(GuardMode.Pause, action.Mode);
        Assert.StartsWith("guard paused flask-app: ", action.Sentence, StringComparison.Ordinal);
        // Left as it is (the new version stays, paused) for a person to decide.
        Assert.Equal("docker.io/library/flask-app:2.0-crash", await ImageAsync());
        Assert.Equal(action.Sentence, await KubectlAsync("get", "deployment/flask-app", "-o", @"jsonpath={.metadata.annotations.rollout-dashboard\.io/guard-acted-reason}"));
        var store = app.Services.GetRequiredService<RecordsDatabase>().Store!;
        for (var waited = Stopwatch.StartNew(); ; await Task.Delay(200))
        {
            var two = (await store.RolloutPageAsync(new RolloutQuery { Workload = "flask-app", Revision = 2 })).Items.FirstOrDefault();
            if (two is { Outcome: RolloutOutcome.Paused } && two.OutcomeDetail == action.Sentence) break;
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"record: {two?.Outcome} ({two?.OutcomeDetail})");
        }

        // A person resumes it: that is theirs to do, and the guard does not pause the same rollout again.
        await KubectlAsync("rollout", "resume", "deployment/flask-app");
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.NotEqual("true", await KubectlAsync("get", "deployment/flask-app", "-o", "jsonpath={.spec.paused}"));
        Assert.Single(Guard(app).Actions());
    }

    [Fact]
    public async Task An_unguarded_Deployment_is_left_alone()
    {
        await using var app = await StartAsync();

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash");
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.Equal("docker.io/library/flask-app:2.0-crash", await ImageAsync());
        Assert.Empty(Guard(app).Actions());
    }

    [Fact]
    public async Task A_paused_guarded_Deployment_is_left_alone()
    {
        await using var app = await StartAsync();
        await KubectlAsync("annotate", "deployment/flask-app", "rollout-dashboard.io/guard=rollback", "rollout-dashboard.io/guard-stuck-seconds=5");

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash");
        await KubectlAsync("rollout", "pause", "deployment/flask-app");
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.Equal("docker.io/library/flask-app:2.0-crash", await ImageAsync());
        Assert.Equal("true", await KubectlAsync("get", "deployment/flask-app", "-o", "jsonpath={.spec.paused}"));
        Assert.Empty(Guard(app).Actions());
    }

    [Fact]
    public async Task The_guard_is_set_and_switched_off_as_annotations_on_the_Deployment()
    {
        await using var app = await StartAsync();
        using var scope = app.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<Dashboard.Web.Model.IDashboardClient>();
        var revision = await KubectlAsync("get", "deployment/flask-app", "-o", @"jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}");

        var set = await client.ExecuteAsync(new Dashboard.Web.Model.SetGuard("default", "flask-app", GuardMode.Pause, 0.02, 90));
        Assert.Equal(Dashboard.ClusterServices.Operations.OperationOutcome.Succeeded, set.Outcome);
        Assert.Equal("pause 0.02 90", await KubectlAsync("get", "deployment/flask-app", "-o",
            @"jsonpath={.metadata.annotations.rollout-dashboard\.io/guard} {.metadata.annotations.rollout-dashboard\.io/guard-max-failed-ratio} {.metadata.annotations.rollout-dashboard\.io/guard-stuck-seconds}"));
        var bad = await client.ExecuteAsync(new Dashboard.Web.Model.SetGuard("default", "flask-app", GuardMode.Rollback, 2, 90));
        Assert.Equal(Dashboard.ClusterServices.Operations.OperationOutcome.Invalid, bad.Outcome);

        var off = await client.ExecuteAsync(new Dashboard.Web.Model.SetGuard("default", "flask-app", GuardMode.Off, 0.01, 60));
        Assert.Equal(Dashboard.ClusterServices.Operations.OperationOutcome.Succeeded, off.Outcome);
        Assert.DoesNotContain("rollout-dashboard.io/guard", await KubectlAsync("get", "deployment/flask-app", "-o", "jsonpath={.metadata.annotations}"));
        // Annotations are not a rollout (the generation moves, as kube-apiserver moves it for a Deployment's annotations; the revision does not).
        await KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=30s");
        Assert.Equal(revision, await KubectlAsync("get", "deployment/flask-app", "-o", @"jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}"));
    }

    [Fact]
    public async Task The_second_articles_Deployment_as_shipped_is_rolled_back_on_failing_requests_before_its_rollout_completes()
    {
        await using var app = await StartAsync();
        await KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s");
        await KubectlAsync("annotate", "deployment/cloud-communal-service", "-n", "cloud", "rollout-dashboard.io/guard=rollback");

        // One replica with maxUnavailable 1 and no readiness probe: its only pod goes before the new one answers.
        await KubectlAsync("set", "image", "deployment/cloud-communal-service", "-n", "cloud", "cloud-communal-service=registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1");
        GuardAction? action = null;
        for (var waited = Stopwatch.StartNew(); (action = Guard(app).Actions().FirstOrDefault()) is null; await Task.Delay(100))
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the guard did not act");

        Assert.Matches(@"^guard rolled back cloud-communal-service to revision 1: \d+ of \d+ requests failed, [\d.]+% > 1%$", action.Sentence);
        // Before the rollout completed (minReadySeconds is 10 s of real time), and the probe counted what failed.
        var record = (await app.Services.GetRequiredService<RecordsDatabase>().Store!.RolloutPageAsync(new RolloutQuery { Workload = "cloud-communal-service", Revision = 2 })).Items.Single();
        Assert.NotEqual(RolloutOutcome.Complete, record.Outcome);
        var probe = Assert.Single(app.Services.GetRequiredService<Dashboard.ClusterServices.ClusterScope>().Probes.All(), p => p.Deployment == "cloud-communal-service");
        Assert.True(probe.Failed > 0, $"the probe counted {probe.Failed} failures");
        Assert.Equal("registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.0",
            await KubectlAsync("get", "deployment/cloud-communal-service", "-n", "cloud", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
    }
}
