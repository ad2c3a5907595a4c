using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Web.Cluster;

/// <summary>Counts open Blazor circuits, for the memory-per-circuit figure of the load benchmark.</summary>
public sealed class CircuitCounter : CircuitHandler
{
    int _open;
    public int Open => Volatile.Read(ref _open);

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _open);
        return Task.CompletedTask;
    }
}

public static class DashboardStats
{
    /// <summary>
    /// <c>GET /stats</c>: the process's memory, open circuits, runtime counters (CPU, thread pool, GC), and each shared cache with its objects,
    /// readers and the longest unread queue among them, and the hub's streams per namespace with theirs (a stalled viewer shows there). Behind sign-in like every page; the load benchmark reads it.
    /// </summary>
    public static void MapDashboardStats(this WebApplication app) => app.MapGet("/stats", (Dashboard.ClusterServices.ClusterScope cluster, Dashboard.Web.Hubs.PodEventFeeds feeds, CircuitCounter circuits, IConfiguration configuration,
        Dashboard.Web.Records.RecordsDatabase records, Dashboard.Web.Records.RolloutRecorder recorder, bool? collect) =>
    {
        // A forced full collection stops the whole process: only a benchmark that asked for it by setting may.
        if (collect == true)
        {
            if (!configuration.GetValue<bool>("Stats:AllowForcedCollection"))
                return Results.Problem("A forced collection is off here (Stats__AllowForcedCollection=true turns it on, for benchmarks).", statusCode: StatusCodes.Status403Forbidden);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return Results.Json(new
        {
            workingSetBytes = process.WorkingSet64,
            managedHeapBytes = GC.GetTotalMemory(false),
            circuits = circuits.Open,
            // What a load run needs to tell a busy machine from a busy dashboard: CPU used, work waiting for a thread, GC pauses.
            runtime = new
            {
                cpuSeconds = process.TotalProcessorTime.TotalSeconds,
                threadPoolThreads = ThreadPool.ThreadCount,
                threadPoolQueue = ThreadPool.PendingWorkItemCount,
                gcPauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
                gcCollections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) },
            },
            caches = cluster.Cache.Stats().Select(s => new { resource = s.Resource, @namespace = s.Namespace, objects = s.Objects, readers = s.Readers, mostUnread = s.MostUnread }),
            records = new
            {
                saving = records.Status.Saving, pending = records.Status.Pending, dropped = records.Status.Dropped, lastError = records.Status.LastError,
                rolloutWrites = recorder.Written, recording = records.Options.RecordRollouts,
            },
            hubStreams = feeds.Stats().Select(s => new { @namespace = s.Namespace, pods = s.Pods, streams = s.Streams, mostUnread = s.MostUnread }),
        });
    });
}
