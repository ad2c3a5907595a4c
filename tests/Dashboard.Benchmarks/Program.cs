using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.ClusterServices.Caching;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

// Reflector benchmark: a cluster of N pods, one shared cache of all of them over HTTP, then a burst
// of pod changes. Reports events per second through the reflector and managed memory per cached pod.
//   dotnet run -c Release --project tests/Dashboard.Benchmarks -- [pods=5000] [deployments=50] [events=20000]
var settings = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
var pods = settings.GetValueOrDefault("pods", 5000);
var deployments = settings.GetValueOrDefault("deployments", 50);
var burst = settings.GetValueOrDefault("events", 20000);
var perDeployment = pods / deployments;
var dir = Path.Combine(Path.GetTempPath(), "rollout-bench", Guid.NewGuid().ToString("N"));

await using var host = new EmbeddedClusterHost(new EmbeddedClusterOptions
{
    ApiUrl = "http://127.0.0.1:0", KubeconfigPath = Path.Combine(dir, "kubeconfig"), Seed = false, TimeScale = 0.01, WatchHistory = 100_000,
});
await host.StartAsync();
var api = host.Cluster.Api;
var clock = Stopwatch.StartNew();
api.Create(ResourceTypes.Namespaces, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "bench" } });
for (var i = 0; i < deployments; i++)
{
    var name = $"app-{i:D3}";
    const string Template = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},
         "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"NAME"}},
                 "template":{"metadata":{"labels":{"app":"NAME"}},"spec":{"containers":[{"name":"app","image":"registry.local/NAME:1.0"}]}}}}
        """;
    api.Create(ResourceTypes.Deployments, "bench", (JsonObject)JsonNode.Parse(Template.Replace("NAME", name).Replace("REPLICAS", perDeployment.ToString(CultureInfo.InvariantCulture)))!);
}
while (host.Cluster.Store.Where(ResourceTypes.Pods, "bench", p => p.Object["status"]?["phase"]?.ToString() == "Running").Count < perDeployment * deployments)
    await Task.Delay(200);
Console.WriteLine($"cluster: {perDeployment * deployments} running pods in {deployments} deployments after {clock.Elapsed.TotalSeconds:0.0} s");

var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath!);
using var clients = new KubernetesClientProvider(config);
var cache = new ClusterCache(clients, new ReflectorOptions(), NullLoggerFactory.Instance);

GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
var before = GC.GetTotalMemory(forceFullCollection: true);
clock.Restart();
Dashboard.ClusterServices.Caching.Subscription<Dashboard.ClusterServices.Model.PodView>? subscription = await cache.SubscribePodsAsync("bench");
var syncSeconds = clock.Elapsed.TotalSeconds;
GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
var after = GC.GetTotalMemory(forceFullCollection: true);
var cached = subscription.Snapshot.Count;
Console.WriteLine($"initial list of {cached} pods into the cache: {syncSeconds * 1000:0} ms; managed heap grew {(after - before) / (double)cached:0} bytes per pod (including pooled HTTP buffers)");

// A burst of pod changes straight into the cluster's store; time until the cache has applied them all.
SharedCache<k8s.Models.V1Pod, Dashboard.ClusterServices.Model.PodView>? shared = cache.Find<k8s.Models.V1Pod, Dashboard.ClusterServices.Model.PodView>("pods", "bench")!;
var startEvents = shared.EventsApplied;
var names = host.Cluster.Store.List(ResourceTypes.Pods, "bench").Items.Select(p => p.Name).ToArray();
clock.Restart();
// Straight into the store (as etcd would commit them), so the figure is the reflector's: watch stream,
// deserialisation, mapping to views and fan-out, not the embedded controllers' write path.
var store = host.Cluster.Store;
var writer = Task.Run(() =>
{
    for (var i = 0; i < burst; i++)
    {
        var current = store.Get(ResourceTypes.Pods, "bench", names[i % names.Length])!;
        var obj = current.Clone();
        ((JsonObject)obj["metadata"]!)["annotations"] = new JsonObject { ["bench"] = i.ToString(CultureInfo.InvariantCulture) };
        store.Update(ResourceTypes.Pods, obj, current.ResourceVersion);
    }
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
