using System.Diagnostics;
using Dashboard.Records;
using Dashboard.Testing;
using Dashboard.Web.Model;
using Dashboard.Web.Records;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>
/// Rollout records as they are made on a cluster the dashboard does not own: changes by the real
/// kubectl and by the dashboard, with the dashboard restarted in the middle of one.
/// </summary>
public sealed class RolloutRecorderTests
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
    string _kubeconfig = "";

    /// <summary>A cluster of its own, which goes on while the dashboard is stopped and started again.</summary>
    async Task<TestCluster> ClusterAsync()
    {
        var cluster = await TestCluster.StartAsync(timeScale: 0.2);
        _kubeconfig = cluster.Kubeconfig;
        // The seed's first rollout is over before the dashboard starts: a baseline, not a rollout it saw.
        await KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        return cluster;
    }

    /// <summary>The dashboard on that cluster (a real cluster: people sign in with tokens; the recorder needs nobody).</summary>
    WebApplicationFactory<Program> StartDashboard()
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Cluster:Mode", "KubeConfig");
            b.UseSetting("Cluster:KubeconfigPath", _kubeconfig);
            b.UseSetting("Auth:Mode", "Token");
            b.UseSetting("Urls", "http://127.0.0.1:0");
            b.UseSetting("Dashboard:DataPath", Path.Combine(_dir, "data"));
        });
        factory.CreateClient().Dispose();
        factory.Services.GetRequiredService<RolloutRecorder>().Looked.Wait(TimeSpan.FromSeconds(60));
        return factory;
    }

    /// <summary>The dashboard on its embedded cluster, as it runs by default (no sign-in: it acts as dashboard-user).</summary>
    async Task<WebApplicationFactory<Program>> StartEmbeddedAsync()
    {
        var factory = TestApp.OnEmbeddedCluster(_dir, timeScale: 0.2);
        factory.CreateClient().Dispose();
        _kubeconfig = factory.Services.GetRequiredService<Dashboard.Web.Cluster.ClusterConnection>().Kubeconfig!;
        await KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        await factory.Services.GetRequiredService<RolloutRecorder>().Looked.WaitAsync(TimeSpan.FromSeconds(60));
        return factory;
    }

    static RecordStore Store(WebApplicationFactory<Program> dashboard) => dashboard.Services.GetRequiredService<RecordsDatabase>().Store!;

    /// <summary>Waits for the record of a revision to satisfy <paramref name="condition"/> (the cluster and the recorder run in real time).</summary>
    static async Task<RolloutRecord> RecordAsync(WebApplicationFactory<Program> dashboard, long revision, Func<RolloutRecord, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var page = await Store(dashboard).RolloutPageAsync(new RolloutQuery { Workload = "flask-app", Revision = revision });
            if (page.Items.FirstOrDefault() is { } found && await Store(dashboard).RolloutAsync(found.Id) is { } whole && condition(whole)) return whole;
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"The record of revision {revision} is not {what}: {(page.Items.FirstOrDefault() is { } r ? $"{r.Outcome} {r.OutcomeDetail}" : "none")}");
            await Task.Delay(200);
        }
    }

    async Task KubectlAsync(params string[] args)
    {
        var result = await Kubectl.RunAsync(_kubeconfig, args);
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task A_kubectl_rollout_is_recorded_as_outside_the_dashboard_and_a_bad_one_the_dashboard_rolls_back_as_RolledBack_with_the_person()
    {
        await using var dashboard = await StartEmbeddedAsync();

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        var two = await RecordAsync(dashboard, 2, r => r.Outcome == RolloutOutcome.Complete, "complete");

        Assert.Equal((RolloutRecord.OutsideTheDashboard, 1L), (two.StartedBy, two.FromRevision));
        // managedFields say which tool changed it, though no one wrote a change cause.
        Assert.Equal("kubectl-set", two.ChangedBy);
        Assert.Equal(("flask-app=docker.io/library/flask-app:1.0", "flask-app=docker.io/library/flask-app:2.0"), (two.FromImages, two.ToImages));
        Assert.True(two.EndedAt > two.StartedAt);
        Assert.Equal(1, (await Store(dashboard).RolloutPageAsync(new RolloutQuery { Workload = "flask-app", Revision = 2 })).Total);

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:3.0-crash");
        var three = await RecordAsync(dashboard, 3, r => r.FirstFailureAt is not null, "failing");
        Assert.Equal(RolloutOutcome.InProgress, three.Outcome);
        Assert.Contains(three.Events(), e => e.Reason == "CrashLoopBackOff" && e.Text.StartsWith("new pod flask-app-", StringComparison.Ordinal));

        using (var scope = dashboard.Services.CreateScope())
            Assert.Equal(Dashboard.ClusterServices.Operations.OperationOutcome.Succeeded,
                (await scope.ServiceProvider.GetRequiredService<IDashboardClient>().ExecuteAsync(new Rollback("default", "flask-app", 2))).Outcome);

        var undone = await RecordAsync(dashboard, 3, r => r.Outcome == RolloutOutcome.RolledBack, "rolled back");
        Assert.Equal("rolled back by revision 4", undone.OutcomeDetail);
        var four = await RecordAsync(dashboard, 4, r => r.Outcome == RolloutOutcome.Complete, "complete");
        Assert.Equal(("dashboard-user", 3L, "flask-app=docker.io/library/flask-app:2.0"), (four.StartedBy, four.FromRevision, four.ToImages));
        Assert.Equal("rollout-dashboard", four.ChangedBy);

        var records = await Store(dashboard).RolloutsForInsightsAsync(new RolloutQuery { Workload = "flask-app", Since = two.StartedAt });
        var insights = DeliveryInsights.Compute(records, two.StartedAt, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal((3, 1, 1), (insights.Rollouts, insights.Failures, insights.Restored));
        Assert.Equal(1.0 / 3, insights.ChangeFailureRate);
        Assert.True(insights.TimeToRestore > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_rollout_replaced_before_it_finished_is_Superseded()
    {
        await using var cluster = await ClusterAsync();
        await using var dashboard = StartDashboard();

        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-unready");
        await RecordAsync(dashboard, 2, r => r.Outcome == RolloutOutcome.InProgress, "in progress");
        await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:3.0");

        var replaced = await RecordAsync(dashboard, 2, r => r.Outcome == RolloutOutcome.Superseded, "superseded");
        Assert.Equal("superseded by revision 3", replaced.OutcomeDetail);
        Assert.NotNull(replaced.EndedAt);
        var three = await RecordAsync(dashboard, 3, r => r.Outcome == RolloutOutcome.Complete, "complete");
        Assert.Equal(2L, three.FromRevision);
    }

    [Fact]
    public async Task A_rollout_under_way_when_the_dashboard_restarts_continues_its_record()
    {
        await using var cluster = await ClusterAsync();
        RolloutRecord before;
        await using (var first = StartDashboard())
        {
            await KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-unready");
            before = await RecordAsync(first, 2, r => r.Samples().Count >= 3, "sampled");
        }

        await using var second = StartDashboard();
        var after = await RecordAsync(second, 2, r => r.Samples().Count > before.Samples().Count + 2, "sampled further");

        Assert.Equal((before.Id, before.StartedAt, RolloutOutcome.InProgress), (after.Id, after.StartedAt, after.Outcome));
        Assert.Equal(before.Samples()[0], after.Samples()[0]);

        await KubectlAsync("rollout", "undo", "deployment/flask-app");
        var undone = await RecordAsync(second, 2, r => r.Outcome == RolloutOutcome.RolledBack, "rolled back");
        Assert.Equal("rolled back by revision 3", undone.OutcomeDetail);
    }
}
