using System.Globalization;
using System.Text;
using k8s.Models;

namespace Dashboard.Kubernetes;

/// <summary>
/// The formulas of upstream <c>pkg/controller/deployment/util/deployment_util.go</c>, kept pure so
/// tests can check them against the reference's worked examples.
/// </summary>
public static class DeploymentMath
{
    public const int MaxRevisionHistoryLength = 2000;

    /// <summary>Annotations never copied from a Deployment to its ReplicaSets (annotationsToSkip).</summary>
    public static readonly HashSet<string> AnnotationsToSkip =
    [
        WellKnown.LastAppliedAnnotation, WellKnown.RevisionAnnotation, WellKnown.RevisionHistoryAnnotation, WellKnown.DesiredReplicasAnnotation, WellKnown.MaxReplicasAnnotation, WellKnown.RollbackToAnnotation,
    ];

    public static int ScaledValue(IntOrString? value, int total, bool roundUp)
    {
        if (value?.Value is not { } text) return 0;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return n;
        if (text.EndsWith('%') && int.TryParse(text[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
        {
            var exact = (double)percent * total / 100.0;
            return roundUp ? (int)Math.Ceiling(exact) : (int)Math.Floor(exact);
        }
        throw new FormatException($"invalid value for IntOrString: invalid value \"{text}\"");
    }

    /// <summary>ResolveFenceposts: surge rounds up, unavailable rounds down, and both zero means one unavailable.</summary>
    public static (int Surge, int Unavailable) ResolveFenceposts(IntOrString? maxSurge, IntOrString? maxUnavailable, int desired)
    {
        var surge = ScaledValue(maxSurge ?? "0", desired, roundUp: true);
        var unavailable = ScaledValue(maxUnavailable ?? "0", desired, roundUp: false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return (surge, unavailable);
    }

    public static int MaxUnavailable(V1Deployment d)
    {
        var replicas = d.Spec.Replicas ?? 1;
        if (d.Spec.Strategy?.Type != "RollingUpdate" || replicas == 0) return 0;
        var (_, unavailable) = ResolveFenceposts(d.Spec.Strategy.RollingUpdate?.MaxSurge, d.Spec.Strategy.RollingUpdate?.MaxUnavailable, replicas);
        return Math.Min(unavailable, replicas);
    }

    public static int MaxSurge(V1Deployment d)
    {
        if (d.Spec.Strategy?.Type != "RollingUpdate") return 0;
        var (surge, _) = ResolveFenceposts(d.Spec.Strategy.RollingUpdate?.MaxSurge, d.Spec.Strategy.RollingUpdate?.MaxUnavailable, d.Spec.Replicas ?? 1);
        return surge;
    }

    public static int Replicas(V1ReplicaSet rs) => rs.Spec?.Replicas ?? 0;

    public static int SumSpec(IEnumerable<V1ReplicaSet> sets) => sets.Sum(Replicas);

    public static int SumAvailable(IEnumerable<V1ReplicaSet> sets) => sets.Sum(rs => rs.Status?.AvailableReplicas ?? 0);

    /// <summary>NewRSNewReplicas: how far the new ReplicaSet may grow in this pass.</summary>
    public static int NewReplicaSetReplicas(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet newRs)
    {
        var desired = d.Spec.Replicas ?? 1;
        if (d.Spec.Strategy?.Type == "Recreate") return desired;
        var maxTotal = desired + MaxSurge(d);
        var current = SumSpec(all);
        if (current >= maxTotal) return Replicas(newRs);
        var scaleUp = Math.Min(maxTotal - current, desired - Replicas(newRs));
        return Replicas(newRs) + scaleUp;
    }

    /// <summary>The most old replicas that may go now: reconcileOldReplicaSets' maxScaledDown.</summary>
    public static int MaxScaledDown(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet? newRs)
    {
        var minAvailable = (d.Spec.Replicas ?? 1) - MaxUnavailable(d);
        var newUnavailable = newRs is null ? 0 : Replicas(newRs) - (newRs.Status?.AvailableReplicas ?? 0);
        return SumSpec(all) - minAvailable - newUnavailable;
    }

    public static long Revision(V1ReplicaSet rs) =>
        rs.Metadata.Annotations?.TryGetValue(WellKnown.RevisionAnnotation, out var text) == true && long.TryParse(text, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public static long MaxRevision(IEnumerable<V1ReplicaSet> sets) => sets.Select(Revision).DefaultIfEmpty(0).Max();

    /// <summary>Oldest first, by creation time then name (controller.ReplicaSetsByCreationTimestamp).</summary>
    public static List<V1ReplicaSet> ByCreation(IEnumerable<V1ReplicaSet> sets) =>
        sets.OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal).ToList();

    /// <summary>A template's identity without the hash label: what EqualIgnoreHash compares.</summary>
    public static string TemplateKey(V1PodTemplateSpec? template)
    {
        var json = ModelJson.ToJson(template ?? new V1PodTemplateSpec());
        if (json["metadata"]?["labels"] is System.Text.Json.Nodes.JsonObject labels)
        {
            labels.Remove(WellKnown.PodTemplateHashLabel);
            if (labels.Count == 0) ((System.Text.Json.Nodes.JsonObject)json["metadata"]!).Remove("labels");
        }
        return ModelJson.Canonical(json);
    }

    public static bool EqualIgnoreHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b) => TemplateKey(a) == TemplateKey(b);

    /// <summary>FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's.</summary>
    public static V1ReplicaSet? FindNewReplicaSet(V1Deployment d, IEnumerable<V1ReplicaSet> sets)
    {
        var key = TemplateKey(d.Spec.Template);
        return ByCreation(sets).FirstOrDefault(rs => TemplateKey(rs.Spec.Template) == key);
    }

    /// <summary>
    /// ComputeHash: FNV-32a over the canonical template plus the collision count, printed in decimal
    /// and mapped into the alphabet Kubernetes uses for generated names.
    /// </summary>
    public static string ComputeHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var bytes = Encoding.UTF8.GetBytes(TemplateKey(template));
        uint hash = 2166136261;
        foreach (var b in bytes) { hash ^= b; hash *= 16777619; }
        if (collisionCount is { } c)
            foreach (var b in BitConverter.GetBytes((uint)c)) { hash ^= b; hash *= 16777619; }
        var decimalText = hash.ToString(CultureInfo.InvariantCulture);
        return string.Concat(decimalText.Select(ch => Ownership.NameAlphabet[ch % Ownership.NameAlphabet.Length]));
    }

    public static bool IsComplete(V1Deployment d, V1DeploymentStatus status)
    {
        var replicas = d.Spec.Replicas ?? 1;
        return status.UpdatedReplicas == replicas && status.Replicas == replicas && status.AvailableReplicas == replicas
            && (status.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
    }

    public static bool IsProgressing(V1DeploymentStatus old, V1DeploymentStatus next)
    {
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (next.Replicas ?? 0) - (next.UpdatedReplicas ?? 0);
        return (next.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0) || newOld < oldOld
            || (next.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0) || (next.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    public static bool HasProgressDeadline(V1Deployment d) => d.Spec.ProgressDeadlineSeconds is { } s && s != int.MaxValue;

    /// <summary>
    /// Proportional scaling (sync.go scale()): the share of <paramref name="toAdd"/> one ReplicaSet gets,
    /// from its size relative to the max-replicas annotation the last scale wrote.
    /// </summary>
    public static int Proportion(V1ReplicaSet rs, V1Deployment d, int toAdd, int added, int deploymentStatusReplicas)
    {
        if (Replicas(rs) == 0 || toAdd == 0 || toAdd == added) return 0;
        var fraction = ReplicaSetFraction(rs, d, deploymentStatusReplicas);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    static int ReplicaSetFraction(V1ReplicaSet rs, V1Deployment d, int deploymentStatusReplicas)
    {
        var desired = d.Spec.Replicas ?? 1;
        if (desired == 0) return -Replicas(rs);
        var deploymentReplicas = desired + MaxSurge(d);
        var annotated = rs.Metadata.Annotations?.TryGetValue(WellKnown.MaxReplicasAnnotation, out var text) == true
            && int.TryParse(text, CultureInfo.InvariantCulture, out var max) ? max : deploymentStatusReplicas;
        if (annotated == 0) return 0;
        var newSize = Math.Round((double)Replicas(rs) * deploymentReplicas / annotated, MidpointRounding.AwayFromZero);
        return (int)newSize - Replicas(rs);
    }

    public static bool IsSaturated(V1Deployment d, V1ReplicaSet? rs)
    {
        if (rs is null) return false;
        var desired = d.Spec.Replicas ?? 1;
        var annotated = rs.Metadata.Annotations?.TryGetValue(WellKnown.DesiredReplicasAnnotation, out var text) == true && int.TryParse(text, CultureInfo.InvariantCulture, out var v) ? v : -1;
        return Replicas(rs) == desired && annotated == desired && (rs.Status?.AvailableReplicas ?? 0) == desired;
    }
}
