using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using Dashboard.Web.Cluster;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>
/// The dashboard on an embedded cluster of 5,000 pods, watched by hub clients and by page feeds (what
/// the deployment and overview pages read), while the API server misbehaves in every way the field
/// notes list. After each fault, every viewer holds exactly what a fresh list of the cluster holds.
/// </summary>
[Collection(Serial.Name)]
public sealed class FaultsAtScaleTests(ITestOutputHelper output) : MudTestContext
{
    const int Pods = 5000;
    const string Ns = SeedWorkloads.GeneratedNamespace;
    static readonly TimeSpan Convergence = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task After_every_fault_each_viewer_of_5000_pods_equals_a_fresh_list_within_15_seconds_and_the_banner_said_reconnecting()
    {
        await using var factory = TestApp.OnGeneratedCluster(Pods);
        factory.CreateClient().Dispose();
        var cluster = factory.Services.GetRequiredService<ClusterConnection>().Embedded!;
        var clock = Stopwatch.StartNew();
        await GeneratedPods.WaitUntilRunningAsync(cluster, Pods);
        output.WriteLine($"{Pods} pods running after {clock.Elapsed.TotalSeconds:0.0} s");
        using var stop = new CancellationTokenSource();
        var viewers = new List<PodViewer>();
        var readers = new List<Task>();

        // Hub clients, through the whole network path of the hub.
        var connections = new List<HubConnection>();
        for (var i = 0; i < 8; i++)
        {
            var viewer = new PodViewer($"hub client {i}");
            var connection = await TestApp.ConnectHubAsync(factory);
            connections.Add(connection);
            viewers.Add(viewer);
            readers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in connection.StreamAsync<JsonElement>("StreamPods", Ns, stop.Token))
                        viewer.Apply(e.GetProperty("type").GetString()!, e.GetProperty("pod").GetProperty("name").GetString()!, e.GetProperty("resourceVersion").GetString()!);
                }
                catch (OperationCanceledException) { }
            }));
        }

        // Page feeds, each from its own browser session's client, applied as the pages apply them.
        using var scope = factory.Services.CreateScope();
        var sessions = new List<IServiceScope>();
        for (var i = 0; i < 4; i++)
        {
            var session = factory.Services.CreateScope();
            sessions.Add(session);
            var viewer = new PodViewer($"page {i}");
            viewers.Add(viewer);
            var feed = await session.ServiceProvider.GetRequiredService<IDashboardClient>().WatchAsync<Dashboard.ClusterServices.Model.PodView>(Ns);
            var state = feed.Snapshot.ToDictionary(p => $"{p.Namespace}/{p.Name}");
            viewer.Replace(state.Values.Select(p => KeyValuePair.Create(p.Name, p.ResourceVersion)));
            readers.Add(Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var update = await feed.ReadAsync(stop.Token);
                        update.ApplyTo(state, p => $"{p.Namespace}/{p.Name}");
                        viewer.Replace(state.Values.Select(p => KeyValuePair.Create(p.Name, p.ResourceVersion)));
                    }
                }
                catch (OperationCanceledException) { }
                finally { await feed.DisposeAsync(); }
            }));
        }

        // What a person sees: the real connection banner, on the real client, recorded whenever it changes.
        var client = scope.ServiceProvider.GetRequiredService<IDashboardClient>();
        Use(client);
        var banner = Ctx.Render<ConnectionBanner>();
        var shown = new ConcurrentQueue<(TimeSpan At, string State)>();
        banner.OnMarkupUpdated += (_, _) => shown.Enqueue((clock.Elapsed, banner.FindAll("[data-connection]").FirstOrDefault()?.GetAttribute("data-connection") ?? "live"));

        await GeneratedPods.AssertEveryViewerMatchesAsync(cluster, viewers, "before any fault", Convergence);

        using var http = new HttpClient { BaseAddress = cluster.Server.ApiUri };
        var scaled = 0;
        async Task FaultAsync(string name, Func<Task> fault, bool expectReconnecting)
        {
            // Churn through the fault: pod changes, scale-ups and scale-downs (deletions a viewer must not miss), a rolling update.
            using var churnStop = new CancellationTokenSource();
            var churn = Task.Run(() => ChurnAsync(cluster, scaled++, churnStop.Token));
            var from = clock.Elapsed;
            await fault();
            await churnStop.CancelAsync();
            await churn;
            var ended = clock.Elapsed;
            await GeneratedPods.AssertEveryViewerMatchesAsync(cluster, viewers, $"after {name}", Convergence);
            output.WriteLine($"{name}: every viewer equal to a fresh list {(clock.Elapsed - ended).TotalSeconds:0.0} s after the fault ended");
            var during = shown.Where(s => s.At >= from).Select(s => s.State).ToList();
            if (expectReconnecting) Assert.True(during.Contains("Reconnecting"), $"{name}: the banner never said reconnecting ({string.Join(", ", during)})");
            banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-connection]")), TimeSpan.FromSeconds(15));
        }
        async Task InjectAsync(object settings, double seconds)
        {
            (await http.PostAsJsonAsync("/_embedded/faults", settings)).EnsureSuccessStatusCode();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            (await http.DeleteAsync("/_embedded/faults")).EnsureSuccessStatusCode();
        }

        // Dropped watches that bring events before closing keep the data flowing: live is the truth then, so no banner is required.
        await FaultAsync("watches dropped", () => InjectAsync(new { dropWatches = true, forSeconds = 3 }, 4), expectReconnecting: false);
        await FaultAsync("watches expired (410)", () => InjectAsync(new { expireWatches = true, forSeconds = 1 }, 3), expectReconnecting: false);
        await FaultAsync("API server down for 10 s", () => cluster.Server.RestartAsync(TimeSpan.FromSeconds(10)), expectReconnecting: true);
        await FaultAsync("30% of requests failing with 500", () => InjectAsync(new { errorRate = 0.3, errorCode = 500, closeWatches = true, forSeconds = 6 }, 6), expectReconnecting: false);
        await FaultAsync("429s with Retry-After", () => InjectAsync(new { errorRate = 1.0, errorCode = 429, retryAfterSeconds = 2, closeWatches = true, forSeconds = 5 }, 5), expectReconnecting: true);
        await FaultAsync("500 ms latency", () => InjectAsync(new { latencyMs = 500, closeWatches = true, forSeconds = 5 }, 5), expectReconnecting: false);

        await stop.CancelAsync();
        foreach (var c in connections) await c.DisposeAsync();
        await Task.WhenAll(readers);
        foreach (var s in sessions) s.Dispose();
    }

    /// <summary>Writes straight to the cluster (its controllers keep working whatever its API server answers).</summary>
    static async Task ChurnAsync(EmbeddedClusterHost cluster, int round, CancellationToken stop)
    {
        var store = cluster.Cluster.Store;
        var api = cluster.Cluster.Api;
        var random = new Random(round);
        for (var tick = 0; !stop.IsCancellationRequested; tick++)
        {
            var pods = store.List(ResourceTypes.Pods, Ns).Items;
            var pod = pods[random.Next(pods.Count)];
            GeneratedPods.Touch(cluster, pod, "churn", tick);
            if (tick % 10 == 0)
            {
                // Scale one Deployment down by 10 pods and another up by 10: a hundred-odd deletions and creations a second.
                var down = $"app-{random.Next(0, 25):D3}";
                var up = $"app-{random.Next(25, 50):D3}";
                api.Patch(ResourceTypes.Deployments, Ns, down, "application/merge-patch+json", """{"spec":{"replicas":90}}""");
                api.Patch(ResourceTypes.Deployments, Ns, up, "application/merge-patch+json", """{"spec":{"replicas":110}}""");
            }
            if (tick == 5)
                api.Patch(ResourceTypes.Deployments, Ns, $"app-{round % 50:D3}", "application/strategic-merge-patch+json",
                    """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"IMAGE"}]}}}}""".Replace("IMAGE", $"registry.local/app:{round + 2}.0", StringComparison.Ordinal));
            try { await Task.Delay(50, stop); }
            catch (OperationCanceledException) { }
        }
    }
}
