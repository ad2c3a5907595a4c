using System.Diagnostics;
using System.Text.Json;
using Dashboard.ClusterServices.Caching;
using Dashboard.EmbeddedCluster;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Benchmarks;

/// <summary>
/// A cluster of N pods, one shared cache of all of them over HTTP, then a burst of pod changes.
/// Reports events per second through the reflector and managed memory per cached pod.
/// </summary>
static class ReflectorBenchmark
{
    public static async Task RunAsync(IReadOnlyDictionary<string, int> settings)
    {
        var pods = settings.GetValueOrDefault("pods", 5000);
        var deployments = settings.GetValueOrDefault("deployments", 50);
        var burst = settings.GetValueOrDefault("events", 20000);
        await using var host = await BenchCluster.StartAsync(pods, deployments);
        var clock = Stopwatch.StartNew();

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath!);
        using var clients = new KubernetesClientProvider(config);
        var cache = new ClusterCache(clients, new ReflectorOptions(), NullLoggerFactory.Instance);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        clock.Restart();
        Dashboard.ClusterServices.Caching.Subscription<Dashboard.ClusterServices.Model.PodView>? subscription = await cache.SubscribePodsAsync(BenchCluster.Namespace);
        var syncSeconds = clock.Elapsed.TotalSeconds;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var cached = subscription.Snapshot.Count;
        Console.WriteLine($"initial list of {cached} pods into the cache: {syncSeconds * 1000:0} ms; managed heap grew {(after - before) / (double)cached:0} bytes per pod (including pooled HTTP buffers)");

        // A burst of pod changes straight into the cluster's store; time until the cache has applied them all.
        SharedCache<k8s.Models.V1Pod, Dashboard.ClusterServices.Model.PodView>? shared = cache.Find<k8s.Models.V1Pod, Dashboard.ClusterServices.Model.PodView>("pods", BenchCluster.Namespace)!;
        var startEvents = shared.EventsApplied;
        var names = host.Cluster.Store.List(ResourceTypes.Pods, BenchCluster.Namespace).Items.Select(p => p.Name).ToArray();
        clock.Restart();
        // Straight into the store (as etcd would commit them), so the figure is the reflector's: watch stream,
        // deserialisation, mapping to views and fan-out, not the embedded controllers' write path.
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < burst; i++) BenchCluster.Touch(host, names[i % names.Length], i);
        });
        await writer;
        var writeSeconds = clock.Elapsed.TotalSeconds;
        while (shared.EventsApplied - startEvents < burst && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(5);
        var totalSeconds = clock.Elapsed.TotalSeconds;
        var applied = shared.EventsApplied - startEvents;
        Console.WriteLine($"burst: {burst} pod changes written in {writeSeconds:0.00} s; {applied} applied by the reflector in {totalSeconds:0.00} s = {applied / totalSeconds:0} events/s end to end");

        await subscription.ReadAsync();
        // What the cache itself holds: the managed memory it gives back when it goes.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var withCache = GC.GetTotalMemory(forceFullCollection: true);
        var watches = host.Server.Metrics.OpenWatches("pods");
        await subscription.DisposeAsync();
        await cache.DisposeAsync();
        // Drop every reference to the cache and its views so the collector can take them.
        subscription = null;
        shared = null;
        cache = null!;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var released = GC.GetTotalMemory(forceFullCollection: true);
        var bytesPerPod = (withCache - released) / (double)cached;
        Console.WriteLine($"memory held by the cache: {bytesPerPod:0} bytes per cached pod");
        var result = new
        {
            pods = cached, deployments, syncMilliseconds = Math.Round(syncSeconds * 1000), bytesPerCachedPod = Math.Round(bytesPerPod),
            burstEvents = burst, appliedEvents = applied, eventsPerSecond = Math.Round(applied / totalSeconds), watchesOnCluster = watches,
        };
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        var output = Path.Combine(Path.GetTempPath(), "rollout-bench-reflector.json");
        await File.WriteAllTextAsync(output, json);
        Console.WriteLine($"written to {output}");
    }
}
