using System.Globalization;
using System.Collections.Immutable;
using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Model;

/// <summary>Maps KubernetesClient models to the immutable views the rest of the dashboard sees.</summary>
public static class ViewMapper
{
    static DateTimeOffset? Time(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    public static PodView Pod(V1Pod pod, DateTime now)
    {
        var (readyText, status, _, restarts, ready) = KubectlFormat.PodColumns(pod, now);
        var owner = Ownership.ControllerOf(pod.Metadata);
        var labels = pod.Metadata.Labels is { Count: > 0 } l
            ? l.ToImmutableSortedDictionary(kv => StringPool.Intern(kv.Key), kv => StringPool.Intern(kv.Value), StringComparer.Ordinal)
            : ImmutableSortedDictionary<string, string>.Empty;
        return new PodView
        {
            Namespace = StringPool.Intern(pod.Metadata.NamespaceProperty ?? ""),
            Name = pod.Metadata.Name,
            Uid = pod.Metadata.Uid ?? "",
            ResourceVersion = pod.Metadata.ResourceVersion ?? "",
            Status = StringPool.Intern(status),
            Ready = ready && pod.Metadata.DeletionTimestamp is null,
            ReadyText = StringPool.Intern(readyText),
            Restarts = restarts,
            Node = StringPool.InternOrNull(pod.Spec?.NodeName),
            PodIp = pod.Status?.PodIP,
            ReplicaSet = owner?.Kind == "ReplicaSet" ? StringPool.InternOrNull(owner.Name) : null,
            // Interned: every pod of a ReplicaSet names the same owner.
            OwnerUid = StringPool.InternOrNull(owner?.Uid),
            TemplateHash = StringPool.InternOrNull(Metadata.Label(pod.Metadata, WellKnown.PodTemplateHashLabel)),
            Images = [.. pod.Spec?.Containers?.Select(c => StringPool.Intern(c.Image ?? "")) ?? []],
            Labels = labels,
            CreatedAt = Time(pod.Metadata.CreationTimestamp),
            DeletionTimestamp = Time(pod.Metadata.DeletionTimestamp),
        };
    }

    public static DeploymentView Deployment(V1Deployment d)
    {
        var status = d.Status ?? new V1DeploymentStatus();
        return new DeploymentView
        {
            Namespace = d.Metadata.NamespaceProperty ?? "",
            Name = d.Metadata.Name,
            Uid = d.Metadata.Uid ?? "",
            ResourceVersion = d.Metadata.ResourceVersion ?? "",
            Generation = d.Metadata.Generation ?? 0,
            ObservedGeneration = status.ObservedGeneration ?? 0,
            Replicas = d.Spec?.Replicas ?? 1,
            StatusReplicas = status.Replicas ?? 0,
            UpdatedReplicas = status.UpdatedReplicas ?? 0,
            ReadyReplicas = status.ReadyReplicas ?? 0,
            AvailableReplicas = status.AvailableReplicas ?? 0,
            UnavailableReplicas = status.UnavailableReplicas ?? 0,
            TerminatingReplicas = status.TerminatingReplicas,
            Paused = d.Spec?.Paused == true,
            Strategy = d.Spec?.Strategy?.Type ?? "RollingUpdate",
            MaxSurgeSpec = d.Spec?.Strategy?.RollingUpdate?.MaxSurge?.Value,
            MaxUnavailableSpec = d.Spec?.Strategy?.RollingUpdate?.MaxUnavailable?.Value,
            MaxSurge = DeploymentMath.MaxSurge(d),
            MaxUnavailable = DeploymentMath.MaxUnavailable(d),
            MinReadySeconds = d.Spec?.MinReadySeconds ?? 0,
            ProgressDeadlineSeconds = d.Spec?.ProgressDeadlineSeconds,
            RevisionHistoryLimit = d.Spec?.RevisionHistoryLimit,
            Revision = Metadata.Annotation(d.Metadata, WellKnown.RevisionAnnotation),
            ChangeCause = Metadata.Annotation(d.Metadata, WellKnown.ChangeCauseAnnotation),
            Guard = Guard.GuardPolicy.Parse(Metadata.Annotation(d.Metadata, WellKnown.GuardAnnotation),
                Metadata.Annotation(d.Metadata, WellKnown.GuardMaxFailedRatioAnnotation), Metadata.Annotation(d.Metadata, WellKnown.GuardStuckSecondsAnnotation)),
            GuardActedRevision = long.TryParse(Metadata.Annotation(d.Metadata, WellKnown.GuardActedAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var acted) ? acted : 0,
            GuardActedReason = Metadata.Annotation(d.Metadata, WellKnown.GuardActedReasonAnnotation),
            TemplateChanges = ChangeAuthors.FromManagedFields(d.Metadata.ManagedFields),
            Containers = [.. d.Spec?.Template?.Spec?.Containers?.Select(c => new ContainerImage(c.Name, c.Image ?? "")) ?? []],
            Selector = (d.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>()).ToImmutableDictionary(),
            Conditions = [.. status.Conditions?.Select(c => new ConditionView(c.Type, c.Status, c.Reason, c.Message, Time(c.LastUpdateTime), Time(c.LastTransitionTime))) ?? []],
            CreatedAt = Time(d.Metadata.CreationTimestamp),
        };
    }

    public static ReplicaSetView ReplicaSet(V1ReplicaSet rs)
    {
        var owner = Ownership.ControllerOf(rs.Metadata);
        return new ReplicaSetView
        {
            Namespace = rs.Metadata.NamespaceProperty ?? "",
            Name = rs.Metadata.Name,
            Uid = rs.Metadata.Uid ?? "",
            ResourceVersion = rs.Metadata.ResourceVersion ?? "",
            OwnerUid = owner?.Uid,
            OwnerName = owner?.Name,
            Revision = DeploymentMath.Revision(rs),
            TemplateHash = Metadata.Label(rs.Metadata, WellKnown.PodTemplateHashLabel),
            Replicas = rs.Spec?.Replicas ?? 0,
            StatusReplicas = rs.Status?.Replicas ?? 0,
            ReadyReplicas = rs.Status?.ReadyReplicas ?? 0,
            AvailableReplicas = rs.Status?.AvailableReplicas ?? 0,
            Containers = [.. rs.Spec?.Template?.Spec?.Containers?.Select(c => new ContainerImage(c.Name, c.Image ?? "")) ?? []],
            ChangeCause = Metadata.Annotation(rs.Metadata, WellKnown.ChangeCauseAnnotation),
            Renumbered = Metadata.Annotation(rs.Metadata, WellKnown.RevisionHistoryAnnotation) is { Length: > 0 },
            CreatedAt = Time(rs.Metadata.CreationTimestamp),
        };
    }

    public static EventView Event(Corev1Event e) => new()
    {
        Namespace = e.Metadata.NamespaceProperty ?? "",
        Name = e.Metadata.Name,
        ResourceVersion = e.Metadata.ResourceVersion ?? "",
        Type = e.Type ?? "Normal",
        Reason = e.Reason ?? "",
        Message = e.Message ?? "",
        InvolvedKind = e.InvolvedObject?.Kind ?? "",
        InvolvedName = e.InvolvedObject?.Name ?? "",
        InvolvedUid = e.InvolvedObject?.Uid,
        Source = e.Source?.Component ?? e.ReportingComponent,
        Count = e.Count ?? 1,
        LastSeen = Time(e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp),
    };

    public static EndpointsView Endpoints(V1Endpoints e) => new()
    {
        Namespace = e.Metadata.NamespaceProperty,
        Name = e.Metadata.Name,
        ResourceVersion = e.Metadata.ResourceVersion ?? "",
        ReadyPods = [.. (e.Subsets ?? []).SelectMany(s => s.Addresses ?? []).Select(a => a.TargetRef?.Name).OfType<string>()],
        NotReady = (e.Subsets ?? []).Sum(s => s.NotReadyAddresses?.Count ?? 0),
    };
}
