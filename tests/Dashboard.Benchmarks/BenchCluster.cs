using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;

namespace Dashboard.Benchmarks;

/// <summary>An embedded cluster on a free loopback port with a generated workload in namespace "bench", every pod Running.</summary>
static class BenchCluster
{
    public const string Namespace = SeedWorkloads.GeneratedNamespace;

    /// <summary>A token the benchmark's hub clients sign in to the dashboard with (the cluster checks tokens, as a real one does).</summary>
    public const string ViewerToken = "bench-viewer";

    public static async Task<EmbeddedClusterHost> StartAsync(int pods, int deployments)
    {
        var dir = Path.Combine(Path.GetTempPath(), "rollout-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var tokens = Path.Combine(dir, "tokens.csv");
        await File.WriteAllTextAsync(tokens, $"{ViewerToken},bench-viewer,u1,\"system:masters\"\n");
        var host = new EmbeddedClusterHost(new EmbeddedClusterOptions
        {
            ApiUrl = "http://127.0.0.1:0", KubeconfigPath = Path.Combine(dir, "kubeconfig"), Seed = false, TimeScale = 0.01, WatchHistory = 100_000,
            TokenAuthFile = tokens,
        });
        await host.StartAsync();
        var clock = Stopwatch.StartNew();
        SeedWorkloads.Generate(host.Cluster.Api, pods, deployments);
        while (host.Cluster.Store.Where(ResourceTypes.Pods, Namespace, p => p.Object["status"]?["phase"]?.ToString() == "Running").Count < pods)
            await Task.Delay(200);
        Console.WriteLine($"cluster: {pods} running pods in {deployments} deployments after {clock.Elapsed.TotalSeconds:0.0} s");
        return host;
    }

    /// <summary>Changes one pod's annotation straight in the store, as etcd would commit it: one MODIFIED event.</summary>
    public static long Touch(EmbeddedClusterHost host, string pod, int value)
    {
        var store = host.Cluster.Store;
        // A rolling update may have replaced the pod since the benchmark listed it.
        if (store.Get(ResourceTypes.Pods, Namespace, pod) is not { } current) return -1;
        var obj = current.Clone();
        ((JsonObject)obj["metadata"]!)["annotations"] = new JsonObject { ["bench"] = value.ToString(CultureInfo.InvariantCulture) };
        return store.Update(ResourceTypes.Pods, obj, current.ResourceVersion).ResourceVersion;
    }
}
