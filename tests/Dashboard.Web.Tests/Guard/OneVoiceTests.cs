using System.Diagnostics;
using Dashboard.Testing;
using k8s;

namespace Dashboard.Web.Tests;

/// <summary>
/// Two dashboard processes on one cluster, as the chart's replicaCount: 2 runs them: one holds the
/// Lease, acts and notifies; when it is killed the other takes the Lease and does not act again.
/// </summary>
[Collection(Serial.Name)]
public sealed class OneVoiceTests
{
    [Fact]
    public async Task Two_dashboard_processes_on_one_cluster_exactly_one_acts_one_message_is_sent_and_killing_the_leader_hands_over()
    {
        await using var cluster = await TestCluster.StartAsync(timeScale: 0.2);
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);
        using var receiver = new WebhookReceiver(_ => Task.FromResult(200));
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string>
        {
            ["Notifications__Webhooks__0__Url"] = receiver.Url,
            ["Notifications__Webhooks__0__Events__0"] = "guard-acted",
        };
        var a = await DashboardProcess.OnClusterAsync(cluster.Kubeconfig, settings, Path.Combine(dir, "a"));
        var b = await DashboardProcess.OnClusterAsync(cluster.Kubeconfig, settings, Path.Combine(dir, "b"));
        try
        {
            var holder = await HolderAsync(cluster, _ => true, TimeSpan.FromSeconds(20));
            var leader = Leading(holder, a, b);
            var follower = leader == a ? b : a;
            Assert.DoesNotContain($"Leading as {holder}", follower.Log, StringComparison.Ordinal);

            Assert.Equal(0, (await cluster.KubectlAsync("annotate", "deployment/flask-app", "rollout-dashboard.io/guard=rollback", "rollout-dashboard.io/guard-stuck-seconds=5")).ExitCode);
            Assert.Equal(0, (await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash")).ExitCode);
            for (var waited = Stopwatch.StartNew(); receiver.Accepted.IsEmpty; await Task.Delay(100))
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the guard did not act");
            await Task.Delay(TimeSpan.FromSeconds(3)); // room for a second voice, were there one

            Assert.Single(receiver.Accepted);
            Assert.Equal(1, await GuardEventsAsync(cluster));
            Assert.Contains("Rollout guard: guard rolled back flask-app", leader.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("Rollout guard: guard rolled back", follower.Log, StringComparison.Ordinal);

            // The leader is killed (no chance to release the Lease); the other process holds it within 15 s.
            var died = Stopwatch.StartNew();
            await leader.DisposeAsync();
            var next = await HolderAsync(cluster, h => h != holder, TimeSpan.FromSeconds(15));
            Assert.True(died.Elapsed < TimeSpan.FromSeconds(15), $"handed over after {died.Elapsed.TotalSeconds:0.0} s");
            Assert.Same(follower, Leading(next, follower));

            // What the old leader did is marked on the Deployment: the new leader does not act on it again.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.Single(receiver.Accepted);
            Assert.Equal(1, await GuardEventsAsync(cluster));
            Assert.DoesNotContain("Rollout guard: guard rolled back", follower.Log, StringComparison.Ordinal);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    static async Task<string> HolderAsync(TestCluster cluster, Func<string, bool> wanted, TimeSpan timeout)
    {
        for (var waited = Stopwatch.StartNew(); ; await Task.Delay(100))
        {
            try
            {
                var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("rollout-dashboard-leader", "default");
                if (lease.Spec.HolderIdentity is { Length: > 0 } holder && wanted(holder)) return holder;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound) { }
            Assert.True(waited.Elapsed < timeout, $"no (new) Lease holder within {timeout.TotalSeconds} s");
        }
    }

    /// <summary>The process that says it leads as <paramref name="holder"/> (it logs that once it holds the Lease).</summary>
    static DashboardProcess Leading(string holder, params DashboardProcess[] processes)
    {
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(5); Thread.Sleep(100))
            if (processes.SingleOrDefault(p => p.Log.Contains($"Leading as {holder}", StringComparison.Ordinal)) is { } leader) return leader;
        throw new Xunit.Sdk.XunitException($"no process says it leads as {holder}");
    }

    static async Task<int> GuardEventsAsync(TestCluster cluster) =>
        (await cluster.Client.CoreV1.ListNamespacedEventAsync("default")).Items.Count(e => e.Reason == "GuardActed");
}
