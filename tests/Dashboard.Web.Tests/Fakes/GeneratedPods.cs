using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using Dashboard.EmbeddedCluster.Storage;

namespace Dashboard.Web.Tests;

/// <summary>One viewer's copy of the generated namespace's pods (name to resourceVersion), as a hub client or a page holds it.</summary>
public sealed class PodViewer(string name)
{
    readonly Lock _gate = new();
    readonly Dictionary<string, string> _pods = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>One event of <c>StreamPods</c>.</summary>
    public void Apply(string type, string pod, string resourceVersion)
    {
        lock (_gate)
            if (type == "DELETED") _pods.Remove(pod);
            else _pods[pod] = resourceVersion;
    }

    public void Replace(IEnumerable<KeyValuePair<string, string>> all)
    {
        lock (_gate)
        {
            _pods.Clear();
            foreach (var (k, v) in all) _pods[k] = v;
        }
    }

    public Dictionary<string, string> Copy() { lock (_gate) return new(_pods, StringComparer.Ordinal); }
}

/// <summary>The generated namespace of an embedded cluster, read and written straight in its store.</summary>
public static class GeneratedPods
{
    const string Ns = SeedWorkloads.GeneratedNamespace;

    /// <summary>Waits until every generated pod runs.</summary>
    public static async Task WaitUntilRunningAsync(EmbeddedClusterHost cluster, int pods)
    {
        var clock = Stopwatch.StartNew();
        while (cluster.Cluster.Store.Where(ResourceTypes.Pods, Ns,
                   p => p.Object["status"]?["phase"]?.ToString() == "Running").Count < pods)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("the generated pods never all ran");
            await Task.Delay(200);
        }
    }

    /// <summary>What a fresh list of the namespace's pods returns: name to resourceVersion.</summary>
    public static Dictionary<string, string> FreshList(EmbeddedClusterHost cluster) =>
        cluster.Cluster.Store.List(ResourceTypes.Pods, Ns).Items.ToDictionary(o => o.Name, o => o.ResourceVersion.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>Changes a pod's annotation, as etcd would commit it: one MODIFIED event (none if a controller changed or removed it meanwhile).</summary>
    public static void Touch(EmbeddedClusterHost cluster, StoredObject pod, string key, int value)
    {
        var changed = pod.Clone();
        ((JsonObject)changed["metadata"]!)["annotations"] = new JsonObject { [key] = value.ToString(CultureInfo.InvariantCulture) };
        try { cluster.Cluster.Store.Update(ResourceTypes.Pods, changed, pod.ResourceVersion); }
        catch (Dashboard.EmbeddedCluster.Api.ApiException) { }
    }

    /// <summary>Every viewer holds exactly what a fresh list holds (no pod missing, no ghost, none stale) within <paramref name="within"/>.</summary>
    public static async Task AssertEveryViewerMatchesAsync(EmbeddedClusterHost cluster, IReadOnlyList<PodViewer> viewers, string when, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var fresh = FreshList(cluster);
            var behind = viewers.Select(v => (v, mine: v.Copy())).Where(x => x.mine.Count != fresh.Count || x.mine.Any(kv => !fresh.TryGetValue(kv.Key, out var rv) || rv != kv.Value)).ToList();
            if (behind.Count == 0) return;
            if (deadline.Elapsed > within)
                Assert.Fail($"{when}: {behind.Count} viewers still differ from a fresh list of {fresh.Count} pods after {within.TotalSeconds} s: "
                    + string.Join("; ", behind.Take(3).Select(b => $"{b.v.Name}: {Difference(fresh, b.mine)}")));
            await Task.Delay(250);
        }
    }

    static string Difference(Dictionary<string, string> fresh, Dictionary<string, string> mine)
    {
        var missing = fresh.Keys.Where(k => !mine.ContainsKey(k)).ToList();
        var ghosts = mine.Keys.Where(k => !fresh.ContainsKey(k)).ToList();
        var stale = fresh.Where(kv => mine.TryGetValue(kv.Key, out var rv) && rv != kv.Value).Select(kv => kv.Key).ToList();
        return $"{missing.Count} missing, {ghosts.Count} ghosts ({string.Join(", ", ghosts.Take(3))}), {stale.Count} stale";
    }
}
