using System.Diagnostics;
using Dashboard.Testing;
using Dashboard.Web.Cluster;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>Two dashboards on one cluster, as the chart's replicaCount: 2 runs them: one leads, acts and notifies; the other takes over when it dies.</summary>
[Collection(Serial.Name)]
public sealed class OneVoiceTests
{
    [Fact]
    public async Task Two_dashboards_one_cluster_exactly_one_acts_one_message_is_sent_and_killing_the_leader_hands_over()
    {
        await using var cluster = await TestCluster.StartAsync(timeScale: 0.2);
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s")).ExitCode);
        using var receiver = new WebhookReceiver(_ => Task.FromResult(200));
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        WebApplicationFactory<Program> Start(string name)
        {
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("Cluster:Mode", "KubeConfig");
                b.UseSetting("Cluster:KubeconfigPath", cluster.Kubeconfig);
                b.UseSetting("Auth:Mode", "Token");
                b.UseSetting("Urls", "http://127.0.0.1:0");
                b.UseSetting("Dashboard:DataPath", Path.Combine(dir, name));
                b.UseSetting("Notifications:Webhooks:0:Url", receiver.Url);
                b.UseSetting("Notifications:Webhooks:0:Events:0", "guard-acted");
            });
            factory.CreateClient().Dispose();
            return factory;
        }
        var a = Start("a");
        var b = Start("b");
        var leaders = () => new[] { a, b }.Where(f => f.Services.GetRequiredService<DashboardLeader>().IsLeader).ToList();
        for (var waited = Stopwatch.StartNew(); leaders().Count != 1; await Task.Delay(100))
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "no leader");
        var leader = leaders()[0];
        var follower = leader == a ? b : a;
        Assert.False(follower.Services.GetRequiredService<DashboardLeader>().IsLeader);

        Assert.Equal(0, (await cluster.KubectlAsync("annotate", "deployment/flask-app", "rollout-dashboard.io/guard=rollback", "rollout-dashboard.io/guard-stuck-seconds=5")).ExitCode);
        Assert.Equal(0, (await cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0-crash")).ExitCode);
        for (var waited = Stopwatch.StartNew(); receiver.Accepted.Count == 0; await Task.Delay(100))
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the guard did not act");
        await Task.Delay(TimeSpan.FromSeconds(3)); // room for a second voice, were there one

        Assert.Single(receiver.Accepted);
        Assert.Single(leader.Services.GetRequiredService<RolloutGuardHost>().Guard!.Actions());
        Assert.Empty(follower.Services.GetRequiredService<RolloutGuardHost>().Guard!.Actions());

        // The leader dies; the other replica holds the Lease within 15 s.
        var died = Stopwatch.StartNew();
        await leader.DisposeAsync();
        while (!follower.Services.GetRequiredService<DashboardLeader>().IsLeader)
        {
            Assert.True(died.Elapsed < TimeSpan.FromSeconds(15), "not handed over within 15 s");
            await Task.Delay(100);
        }
        // The rollout the old leader acted on, and its rollback, are marked on the Deployment: the new leader does not act again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(follower.Services.GetRequiredService<RolloutGuardHost>().Guard!.Actions());
        Assert.Single(receiver.Accepted);
        await follower.DisposeAsync();
    }
}
