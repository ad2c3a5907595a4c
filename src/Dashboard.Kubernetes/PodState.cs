using k8s.Models;

namespace Dashboard.Kubernetes;

/// <summary>Pod predicates of pkg/api/v1/pod and controller_utils.go.</summary>
public static class PodState
{
    /// <summary>IsPodActive: not finished and not being deleted.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata.DeletionTimestamp is null;

    public static V1PodCondition? ReadyCondition(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>IsPodAvailable: Ready for at least minReadySeconds.</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTime now)
    {
        var ready = ReadyCondition(pod);
        if (ready?.Status != "True") return false;
        if (minReadySeconds == 0) return true;
        return ready.LastTransitionTime is { } t && t.AddSeconds(minReadySeconds) < now;
    }

    /// <summary>When a Ready pod becomes available, for the wake-up that minReadySeconds needs.</summary>
    public static DateTime? AvailableAt(V1Pod pod, int minReadySeconds) =>
        ReadyCondition(pod) is { Status: "True", LastTransitionTime: { } t } ? t.AddSeconds(minReadySeconds) : null;

    static int PhaseRank(V1Pod pod) => pod.Status?.Phase switch { "Pending" => 0, "Unknown" => 1, "Running" => 2, _ => 3 };

    static int DeletionCost(V1Pod pod) =>
        Metadata.Annotation(pod.Metadata, WellKnown.PodDeletionCostAnnotation) is { } text && int.TryParse(text, out var cost) ? cost : 0;

    static int MaxRestarts(V1Pod pod) => pod.Status?.ContainerStatuses?.Select(c => c.RestartCount).DefaultIfEmpty(0).Max() ?? 0;

    static double Log2Bucket(DateTime? time, DateTime now) =>
        time is { } t ? Math.Floor(Math.Log2(Math.Max(1, (now - t).TotalSeconds))) : double.MaxValue;

    /// <summary>
    /// ActivePodsWithRanks.Less: the order in which a ReplicaSet gives up pods, most expendable first.
    /// </summary>
    public static List<V1Pod> DeletionOrder(IEnumerable<V1Pod> pods, DateTime now) =>
        pods.OrderBy(p => string.IsNullOrEmpty(p.Spec?.NodeName) ? 0 : 1)
            .ThenBy(PhaseRank)
            .ThenBy(p => IsReady(p) ? 1 : 0)
            .ThenBy(DeletionCost)
            // Ready later (a smaller log2 bucket of time since ready) goes first.
            .ThenBy(p => IsReady(p) ? Log2Bucket(ReadyCondition(p)?.LastTransitionTime, now) : 0)
            .ThenByDescending(MaxRestarts)
            .ThenBy(p => Log2Bucket(p.Metadata.CreationTimestamp, now))
            .ThenBy(p => p.Metadata.Uid, StringComparer.Ordinal)
            .ToList();
}
