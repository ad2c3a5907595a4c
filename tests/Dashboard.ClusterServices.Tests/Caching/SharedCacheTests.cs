using System.Net.Http.Json;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.EmbeddedCluster;

namespace Dashboard.ClusterServices.Tests;

public class SharedCacheTests
{
    static async Task Converge(ServiceHarness h, Dictionary<string, PodView> state, Subscription<PodView> sub, CancellationToken ct)
    {
        var update = await sub.ReadAsync(ct);
        if (update.Reset is { } reset)
        {
            state.Clear();
            foreach (var p in reset) state[$"{p.Namespace}/{p.Name}"] = p;
        }
        foreach (var c in update.Changes)
        {
            if (c.Kind == ChangeKind.Delete) state.Remove(c.Key);
            else state[c.Key] = c.View;
        }
    }

    /// <summary>The reader's state equals a fresh list of the cluster: same pods, same resourceVersions, no ghosts.</summary>
    static async Task AssertEqualsFreshListAsync(ServiceHarness h, Dictionary<string, PodView> state, Subscription<PodView> sub, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        while (true)
        {
            var fresh = h.Cluster.Host.Cluster.Store.List(ResourceTypes.Pods, "default").Items
                .ToDictionary(o => $"{o.Namespace}/{o.Name}", o => o.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var mine = state.ToDictionary(kv => kv.Key, kv => kv.Value.ResourceVersion);
            if (fresh.Count == mine.Count && fresh.All(kv => mine.TryGetValue(kv.Key, out var rv) && rv == kv.Value)) return;
            try
            {
                using var step = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                step.CancelAfter(TimeSpan.FromMilliseconds(500));
                await Converge(h, state, sub, step.Token);
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested) { }
            catch (OperationCanceledException)
            {
                Assert.Fail($"cache never matched a fresh list: missing [{string.Join(", ", fresh.Keys.Except(mine.Keys))}], ghosts [{string.Join(", ", mine.Keys.Except(fresh.Keys))}]");
            }
        }
    }

    [Fact]
    public async Task Fifty_readers_cost_the_api_server_one_watch()
    {
        await using var h = await ServiceHarness.StartAsync();

        var subscriptions = new List<Subscription<PodView>>();
        for (var i = 0; i < 50; i++) subscriptions.Add(await h.Cache.SubscribePodsAsync("default"));
        await h.Cluster.WaitUntilAsync(() => Task.FromResult(h.Cluster.Host.Server.Metrics.OpenWatches("pods") == 1));
        await Task.Delay(500);

        using var http = new HttpClient { BaseAddress = h.Cluster.ApiUri };
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("apiserver_longrunning_requests{component=\"apiserver\",resource=\"pods\",verb=\"WATCH\"} 1", metrics);
        Assert.Equal(1, h.Cluster.Host.Server.Metrics.Requests("LIST", "pods"));
        Assert.All(subscriptions, s => Assert.Equal(5, s.Snapshot.Count(p => p.Name.StartsWith("flask-app", StringComparison.Ordinal))));
        foreach (var s in subscriptions) await s.DisposeAsync();
    }

    [Fact]
    public async Task Every_reader_sees_every_change()
    {
        await using var h = await ServiceHarness.StartAsync();
        var readers = new List<(Subscription<PodView> Sub, Dictionary<string, PodView> State)>();
        for (var i = 0; i < 5; i++)
        {
            var sub = await h.Cache.SubscribePodsAsync("default");
            readers.Add((sub, sub.Snapshot.ToDictionary(p => $"{p.Namespace}/{p.Name}")));
        }

        await h.Cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        foreach (var (sub, state) in readers) await AssertEqualsFreshListAsync(h, state, sub, TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("dropWatches")]
    [InlineData("expireWatches")]
    [InlineData("errorRate")]
    [InlineData("restart")]
    public async Task After_faults_the_cache_equals_a_fresh_list_with_no_missed_deletions(string fault)
    {
        await using var h = await ServiceHarness.StartAsync();
        var sub = await h.Cache.SubscribePodsAsync("default");
        var state = sub.Snapshot.ToDictionary(p => $"{p.Namespace}/{p.Name}");
        using var http = new HttpClient { BaseAddress = h.Cluster.ApiUri };

        var rollout = h.Cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        switch (fault)
        {
            case "restart":
                await rollout;
                await h.Cluster.Host.Server.RestartAsync(TimeSpan.FromSeconds(3));
                break;
            case "errorRate":
                await (await http.PostAsJsonAsync("/_embedded/faults", new { errorRate = 0.3, errorCode = 500, forSeconds = 4 })).Content.ReadAsStringAsync();
                await rollout;
                break;
            default:
                await rollout;
                await Task.Delay(300);
                (await http.PostAsync("/_embedded/faults", new StringContent($"{{\"{fault}\":true,\"forSeconds\":2}}", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
                break;
        }
        await h.Cluster.WaitUntilAsync(async () => (await h.Cluster.KubectlAsync("scale", "deployment/flask-app", "--replicas=2")).ExitCode == 0, TimeSpan.FromSeconds(20), "kubectl scale got through");
        // Read the store itself: during the fault window HTTP answers may be injected errors.
        await h.Cluster.WaitUntilAsync(() => Task.FromResult(h.Cluster.Host.Cluster.Store.Where(ResourceTypes.Pods, "default",
            o => o.Object["metadata"]?["labels"]?["app"]?.ToString() == "flask-app").Count == 2), TimeSpan.FromSeconds(40), "the scale-down finished");

        await AssertEqualsFreshListAsync(h, state, sub, TimeSpan.FromSeconds(15));
        await sub.DisposeAsync();
    }

    [Fact]
    public async Task A_reader_that_stops_reading_holds_at_most_one_change_per_object_and_is_resynced_when_too_far_behind()
    {
        await using var h = await ServiceHarness.StartAsync(new ReflectorOptions { MaxPendingPerReader = 3 });
        var stalled = await h.Cache.SubscribePodsAsync("default");
        var live = await h.Cache.SubscribePodsAsync("default");
        var liveState = live.Snapshot.ToDictionary(p => $"{p.Namespace}/{p.Name}");

        await h.Cluster.KubectlAsync("set", "image", "deployment/flask-app", "flask-app=docker.io/library/flask-app:2.0");
        await h.Cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");

        Assert.True(stalled.PendingCount <= 3);
        await AssertEqualsFreshListAsync(h, liveState, live, TimeSpan.FromSeconds(10));
        var resumed = await stalled.ReadAsync();
        Assert.True(resumed.IsReset, "a reader past its limit gets a fresh snapshot instead of a backlog");
    }

    [Fact]
    public async Task The_cache_stops_its_watch_after_the_last_reader_leaves()
    {
        await using var h = await ServiceHarness.StartAsync(new ReflectorOptions { Linger = TimeSpan.FromMilliseconds(200) });
        var sub = await h.Cache.SubscribeDeploymentsAsync(null);
        await h.Cluster.WaitUntilAsync(() => Task.FromResult(h.Cluster.Host.Server.Metrics.OpenWatches("deployments") == 1));

        await sub.DisposeAsync();

        await h.Cluster.WaitUntilAsync(() => Task.FromResult(h.Cluster.Host.Server.Metrics.OpenWatches("deployments") == 0), because: "the watch closed");
        Assert.Empty(h.Cache.Running());
    }

    [Fact]
    public async Task A_silent_watch_is_restarted_by_the_idle_watchdog_from_the_last_resource_version()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await ServiceHarness.StartAsync(0, new ReflectorOptions { IdleTimeout = TimeSpan.FromSeconds(90) }, clock);
        var sub = await h.Cache.SubscribeDeploymentsAsync("default");
        long Watches() => h.Cluster.Host.Server.Metrics.Requests("WATCH", "deployments");
        // A first list or watch that failed on a loaded machine is retried after a backoff on the same fake clock:
        // a second at a time moves it on (far below the idle timeout).
        for (var waited = 0; Watches() == 0; waited++)
        {
            Assert.True(waited < 150, "the first watch never started");
            await Task.Delay(200);
            if (waited % 5 == 4) clock.Advance(TimeSpan.FromSeconds(1));
        }
        await Task.Delay(300);
        var first = Watches();
        var listsBefore = h.Cluster.Host.Server.Metrics.Requests("LIST", "deployments");

        // Nothing happens in the namespace: at each idle timeout the watchdog ends the silent watch and a new one
        // resumes it. The clock moves on until two restarts were seen (a move made before the new watch's timer
        // existed is simply made again).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Watches() < first + 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Watches()} watch requests: the watchdog did not restart the silent watch");
            var before = Watches();
            clock.Advance(TimeSpan.FromSeconds(90));
            var settle = DateTime.UtcNow.AddSeconds(2);
            while (Watches() == before && DateTime.UtcNow < settle) await Task.Delay(20);
        }
        Assert.Equal(0, h.Cluster.Host.Server.Metrics.Requests("LIST", "deployments") - listsBefore); // resumed, never relisted
        await h.Operations.ScaleAsync("default", "flask-app", 2, "alice");
        var update = await sub.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.Contains(update.Changes, c => c.View.Name == "flask-app" && c.View.Replicas == 2);
        await sub.DisposeAsync();
    }
}
