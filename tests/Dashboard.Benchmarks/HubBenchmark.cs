using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Dashboard.ClusterServices.Caching;
using Dashboard.Testing;
using k8s;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Benchmarks;

/// <summary>
/// Event latency from the cluster to N hub clients of /hubs/pods. The embedded cluster runs here, the
/// dashboard in its own process (as deployed), the clients here over WebSockets. A direct watch on the
/// API server, what <c>kubectl get pods -w</c> does, timestamps each event as the reference; a client's
/// latency is its arrival time minus the reference's for the same resourceVersion.
/// </summary>
static class HubBenchmark
{
    sealed record HubPod(string Name);
    sealed record HubPodEvent(string Type, HubPod Pod, string ResourceVersion);

    public static async Task RunAsync(IReadOnlyDictionary<string, int> settings)
    {
        var clientCount = settings.GetValueOrDefault("clients", 50);
        var pods = settings.GetValueOrDefault("pods", 1000);
        var deployments = settings.GetValueOrDefault("deployments", 10);
        var rate = settings.GetValueOrDefault("rate", 100);
        var seconds = settings.GetValueOrDefault("seconds", 20);

        await using var host = await BenchCluster.StartAsync(pods, deployments);
        await using var dashboard = await BenchDashboard.StartAsync(host.KubeconfigPath!);
        Console.WriteLine($"dashboard: {dashboard.Url} (pid {dashboard.Pid})");

        // The reference: a watch of its own, straight on the API server.
        var reference = new ConcurrentDictionary<long, long>();
        using var clients = new KubernetesClientProvider(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath!));
        using var stop = new CancellationTokenSource();
        var list = await clients.Read.CoreV1.ListNamespacedPodAsync(BenchCluster.Namespace);
        var referenceWatch = Task.Run(async () =>
        {
            try
            {
                await foreach (var (_, pod) in clients.Watch.CoreV1.WatchListNamespacedPodAsync(BenchCluster.Namespace, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
                    reference.TryAdd(long.Parse(pod.Metadata.ResourceVersion, CultureInfo.InvariantCulture), Stopwatch.GetTimestamp());
            }
            catch (OperationCanceledException)
            {
            }
        });

        // N hub clients, each streaming the namespace; each keeps (resourceVersion, arrival) of every live event.
        var arrivals = new List<(long Rv, long At)>[clientCount];
        var snapshots = new int[clientCount];
        var connections = new List<HubConnection>();
        var streams = new List<Task>();
        var connectClock = Stopwatch.StartNew();
        var cookies = await dashboard.SignInAsync(BenchCluster.ViewerToken);
        for (var c = 0; c < clientCount; c++)
        {
            var index = c;
            arrivals[index] = new List<(long, long)>(seconds * rate + 16);
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(dashboard.Url, "hubs/pods"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    o.Cookies = cookies;
                })
                .Build();
            await connection.StartAsync();
            connections.Add(connection);
            streams.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in connection.StreamAsync<HubPodEvent>("StreamPods", BenchCluster.Namespace, stop.Token))
                    {
                        if (e.Type == "ADDED" && snapshots[index] < pods) Interlocked.Increment(ref snapshots[index]);
                        else arrivals[index].Add((long.Parse(e.ResourceVersion, CultureInfo.InvariantCulture), Stopwatch.GetTimestamp()));
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }
        while (snapshots.Any(s => s < pods) && connectClock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(50);
        Console.WriteLine($"{clientCount} hub clients connected and received their {pods}-pod snapshot in {connectClock.Elapsed.TotalSeconds:0.0} s");

        // Steady churn: `rate` pod changes a second, round robin, so no pod changes twice before clients see it.
        var names = host.Cluster.Store.List(Dashboard.EmbeddedCluster.ResourceTypes.Pods, BenchCluster.Namespace).Items.Select(p => p.Name).ToArray();
        var written = new List<long>();
        var churn = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        for (var i = 0; churn.Elapsed < TimeSpan.FromSeconds(seconds); i++)
        {
            written.Add(BenchCluster.Touch(host, names[i % names.Length], i));
            var due = interval * (i + 1) - churn.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        // Minus the reference watch: what the dashboard costs the API server for all its clients.
        var watches = host.Server.Metrics.OpenWatches("pods") - 1;
        var workingSet = dashboard.WorkingSet();
        await stop.CancelAsync();
        foreach (var connection in connections) await connection.DisposeAsync();
        await Task.WhenAll(streams);
        await referenceWatch;

        var latencies = new List<double>();
        var delivered = new List<int>();
        foreach (var perClient in arrivals)
        {
            delivered.Add(perClient.Count(a => written.Contains(a.Rv)));
            foreach (var (rv, at) in perClient)
                if (reference.TryGetValue(rv, out var seen)) latencies.Add(Stopwatch.GetElapsedTime(seen, at).TotalMilliseconds);
        }
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        var result = new
        {
            clients = clientCount, pods, eventsWritten = written.Count, eventsPerSecond = Math.Round(written.Count / (double)seconds),
            deliveredPerClientMin = delivered.Min(), deliveredPerClientMax = delivered.Max(),
            latencyMs = new { p50 = Math.Round(P(0.50), 1), p95 = Math.Round(P(0.95), 1), p99 = Math.Round(P(0.99), 1), max = Math.Round(latencies.LastOrDefault(), 1) },
            dashboardPodWatches = watches,
            dashboardWorkingSetMiB = Math.Round(workingSet / 1048576.0, 1),
        };
        Console.WriteLine();
        Console.WriteLine($"| clients | events written | delivered per client | p50 ms | p95 ms | p99 ms | max ms | dashboard pod watches | dashboard RSS |");
        Console.WriteLine($"|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {clientCount} | {written.Count} ({result.eventsPerSecond}/s) | {result.deliveredPerClientMin}–{result.deliveredPerClientMax} | {result.latencyMs.p50} | {result.latencyMs.p95} | {result.latencyMs.p99} | {result.latencyMs.max} | {watches} | {result.dashboardWorkingSetMiB} MiB |");
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        var output = Path.Combine(Path.GetTempPath(), "rollout-bench-hub.json");
        await File.WriteAllTextAsync(output, json);
        Console.WriteLine($"written to {output}");
    }
}

/// <summary>The dashboard the benchmarks measure: quiet logs (failures echoed), forced collections allowed for the heap figures.</summary>
static class BenchDashboard
{
    public static Task<DashboardProcess> StartAsync(string kubeconfig, IReadOnlyDictionary<string, string>? settings = null, string? dataPath = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Stats__AllowForcedCollection"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        return DashboardProcess.OnClusterAsync(kubeconfig, all, dataPath, line =>
        {
            if (line.StartsWith("fail", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal)) Console.Error.WriteLine($"[dashboard] {line}");
        });
    }
}
