using System.Globalization;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Model;

/// <summary>
/// Which ReplicaSets and pods belong to a Deployment, over the views: the controller reference's UID
/// and the pod-template-hash (<see cref="Ownership"/>), never a name. Every page, the wall and the
/// timelines ask here.
/// </summary>
public static class Membership
{
    public static IEnumerable<ReplicaSetView> ReplicaSetsOf(DeploymentView d, IEnumerable<ReplicaSetView> sets) =>
        sets.Where(rs => rs.Namespace == d.Namespace && rs.OwnerUid is not null && rs.OwnerUid == d.Uid);

    public static bool IsPodOf(PodView pod, ReplicaSetView set) =>
        pod.Namespace == set.Namespace && Ownership.IsPodOf(pod.OwnerUid, pod.TemplateHash, set.Uid, set.TemplateHash);

    /// <summary>The Deployment's pods, each with the ReplicaSet (the revision) that made it.</summary>
    public static IEnumerable<(PodView Pod, ReplicaSetView Set)> PodsOf(DeploymentView d, IEnumerable<ReplicaSetView> sets, IEnumerable<PodView> pods)
    {
        var owned = ReplicaSetsOf(d, sets).ToDictionary(rs => rs.Uid, StringComparer.Ordinal);
        if (owned.Count == 0) yield break;
        foreach (var pod in pods)
            if (pod.OwnerUid is { } owner && owned.TryGetValue(owner, out var set) && IsPodOf(pod, set))
                yield return (pod, set);
    }

    /// <summary>The revision the Deployment is rolling out: its annotation, else the newest of its ReplicaSets.</summary>
    public static long CurrentRevision(DeploymentView d, IEnumerable<ReplicaSetView> owned) =>
        long.TryParse(d.Revision, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : owned.Select(rs => rs.Revision).DefaultIfEmpty(0).Max();

    /// <summary>The pods of the ReplicaSet of the current revision: the new pods of a rollout.</summary>
    public static IEnumerable<PodView> NewPodsOf(DeploymentView d, IEnumerable<ReplicaSetView> sets, IEnumerable<PodView> pods)
    {
        var owned = ReplicaSetsOf(d, sets).ToList();
        var current = CurrentRevision(d, owned);
        return PodsOf(d, owned, pods).Where(m => m.Set.Revision == current).Select(m => m.Pod);
    }

    /// <summary>
    /// True for the events of a pod no longer in the cache that a ReplicaSet of <paramref name="ownedSets"/>
    /// made: the name its generateName gave it (the set's name, a dash, five letters of Kubernetes' name
    /// alphabet). A pod still present is decided by its owner reference instead.
    /// </summary>
    public static bool IsGoneGeneratedPod(string podName, IEnumerable<string> ownedSets) =>
        ownedSets.Any(set => Ownership.IsGeneratedName(podName, set + "-"));
}
