using System.Runtime.CompilerServices;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Validation;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>A pod as the stream sends it.</summary>
public sealed record PodEventPod(
    string Name, string Namespace, string Status, bool Ready, int Restarts, long? Revision, string? ReplicaSet,
    string? Node, IReadOnlyList<string> Images, DateTimeOffset? CreatedAt, DateTimeOffset? DeletionTimestamp);

/// <summary><c>{"type":"ADDED|MODIFIED|DELETED","pod":{...},"resourceVersion":"..."}</c></summary>
public sealed record PodEvent(string Type, PodEventPod Pod, string ResourceVersion);

/// <summary>
/// <c>/hubs/pods</c>: live pods for other screens and tools. <c>StreamPods(namespace)</c> sends an ADDED
/// for every current pod, then every change. A thin adapter over the shared caches: any number of
/// streams add no watch on the cluster.
/// </summary>
public sealed class PodsHub(ClusterCache cache) : Hub
{
    public const string Path = "/hubs/pods";

    public async IAsyncEnumerable<PodEvent> StreamPods(string @namespace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (InputValidation.LabelError(@namespace) is { } error) throw new HubException(error);
        await using var pods = await cache.SubscribePodsAsync(@namespace, cancellationToken);
        await using var sets = await cache.SubscribeReplicaSetsAsync(@namespace, cancellationToken);
        var revisions = sets.Snapshot.ToDictionary(rs => rs.Name, rs => rs.Revision);
        var sent = new Dictionary<string, PodView>(StringComparer.Ordinal);

        foreach (var pod in pods.Snapshot.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sent[pod.Name] = pod;
            yield return Event("ADDED", pod, revisions);
        }

        var podUpdates = pods.ReadAsync(cancellationToken).AsTask();
        var setUpdates = sets.ReadAsync(cancellationToken).AsTask();
        while (!cancellationToken.IsCancellationRequested)
        {
            Task done;
            try { done = await Task.WhenAny(podUpdates, setUpdates); }
            catch (OperationCanceledException) { yield break; }
            if (done.IsCanceled) yield break;
            if (done == setUpdates)
            {
                var update = await setUpdates;
                if (update.Reset is { } all) revisions = all.ToDictionary(rs => rs.Name, rs => rs.Revision);
                foreach (var c in update.Changes)
                    if (c.Kind == ChangeKind.Delete) revisions.Remove(c.View.Name);
                    else revisions[c.View.Name] = c.View.Revision;
                setUpdates = sets.ReadAsync(cancellationToken).AsTask();
                continue;
            }
            var changes = await podUpdates;
            podUpdates = pods.ReadAsync(cancellationToken).AsTask();
            foreach (var e in Translate(changes, sent, revisions)) yield return e;
        }
    }

    /// <summary>Changes (or a resync) as the events a client needs to reach the same state.</summary>
    static IEnumerable<PodEvent> Translate(CacheUpdate<PodView> update, Dictionary<string, PodView> sent, Dictionary<string, long> revisions)
    {
        if (update.Reset is { } all)
        {
            var now = all.ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var gone in sent.Keys.Where(k => !now.ContainsKey(k)).ToList())
            {
                yield return Event("DELETED", sent[gone], revisions);
                sent.Remove(gone);
            }
            foreach (var pod in all)
            {
                var known = sent.TryGetValue(pod.Name, out var before);
                if (known && before!.ResourceVersion == pod.ResourceVersion) continue;
                sent[pod.Name] = pod;
                yield return Event(known ? "MODIFIED" : "ADDED", pod, revisions);
            }
            yield break;
        }
        foreach (var change in update.Changes)
        {
            var pod = change.View;
            if (change.Kind == ChangeKind.Delete)
            {
                sent.Remove(pod.Name);
                yield return Event("DELETED", pod, revisions);
            }
            else
            {
                var known = sent.ContainsKey(pod.Name);
                sent[pod.Name] = pod;
                yield return Event(known ? "MODIFIED" : "ADDED", pod, revisions);
            }
        }
    }

    static PodEvent Event(string type, PodView p, IReadOnlyDictionary<string, long> revisions) => new(
        type,
        new PodEventPod(p.Name, p.Namespace, p.Status, p.Ready, p.Restarts,
            p.ReplicaSet is { } rs && revisions.TryGetValue(rs, out var revision) && revision > 0 ? revision : null,
            p.ReplicaSet, p.Node, p.Images, p.CreatedAt, p.DeletionTimestamp),
        p.ResourceVersion);
}
