using System.Collections.Immutable;

namespace Dashboard.ClusterServices.Model;

/// <summary>A pod as a person reads it: kubectl's STATUS wording, readiness, restarts, where it runs.</summary>
public sealed record PodView
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Uid { get; init; }
    public required string ResourceVersion { get; init; }
    /// <summary>kubectl's STATUS column: Running, Pending, ContainerCreating, Terminating, CrashLoopBackOff, ImagePullBackOff...</summary>
    public required string Status { get; init; }
    public required bool Ready { get; init; }
    /// <summary>kubectl's READY column, "1/1".</summary>
    public required string ReadyText { get; init; }
    public required int Restarts { get; init; }
    public string? Node { get; init; }
    public string? PodIp { get; init; }
    public string? ReplicaSet { get; init; }
    /// <summary>The UID of the pod's controller (its ReplicaSet): what decides which Deployment it belongs to.</summary>
    public string? OwnerUid { get; init; }
    /// <summary>The pod-template-hash label: the template (revision) of its ReplicaSet it was made from.</summary>
    public string? TemplateHash { get; init; }
    public required ImmutableArray<string> Images { get; init; }
    public required IImmutableDictionary<string, string> Labels { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }

    public bool IsTerminating => DeletionTimestamp is not null;
}

public sealed record ConditionView(string Type, string Status, string? Reason, string? Message, DateTimeOffset? LastUpdate, DateTimeOffset? LastTransition);

/// <summary>A Deployment's spec and status, with its strategy's limits resolved to pod counts.</summary>
public sealed record DeploymentView
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Uid { get; init; }
    public required string ResourceVersion { get; init; }
    public required long Generation { get; init; }
    public required long ObservedGeneration { get; init; }
    public required int Replicas { get; init; }
    public required int StatusReplicas { get; init; }
    public required int UpdatedReplicas { get; init; }
    public required int ReadyReplicas { get; init; }
    public required int AvailableReplicas { get; init; }
    public required int UnavailableReplicas { get; init; }
    /// <summary><c>status.terminatingReplicas</c> (Kubernetes 1.33+): null when the server does not report it.</summary>
    public int? TerminatingReplicas { get; init; }
    public required bool Paused { get; init; }
    public required string Strategy { get; init; }
    public string? MaxSurgeSpec { get; init; }
    public string? MaxUnavailableSpec { get; init; }
    /// <summary>maxSurge resolved against replicas, as the controller rounds it (up).</summary>
    public required int MaxSurge { get; init; }
    /// <summary>maxUnavailable resolved against replicas, as the controller rounds it (down).</summary>
    public required int MaxUnavailable { get; init; }
    public required int MinReadySeconds { get; init; }
    public int? ProgressDeadlineSeconds { get; init; }
    public int? RevisionHistoryLimit { get; init; }
    public string? Revision { get; init; }
    public string? ChangeCause { get; init; }
    /// <summary>The rollout guard's settings from the Deployment's annotations (off when absent).</summary>
    public Guard.GuardPolicy Guard { get; init; } = Dashboard.ClusterServices.Guard.GuardPolicy.Off;
    /// <summary>The newest revision the guard is done with (<c>rollout-dashboard.io/guard-acted-revision</c>), 0 when none.</summary>
    public long GuardActedRevision { get; init; }
    /// <summary>What the guard did at <see cref="GuardActedRevision"/> and why (<c>rollout-dashboard.io/guard-acted-reason</c>).</summary>
    public string? GuardActedReason { get; init; }
    /// <summary>Who last wrote the pod template, newest first (from managedFields; empty when the server keeps none).</summary>
    public ImmutableArray<TemplateChange> TemplateChanges { get; init; } = [];
    public required ImmutableArray<ContainerImage> Containers { get; init; }
    public required ImmutableDictionary<string, string> Selector { get; init; }
    public required ImmutableArray<ConditionView> Conditions { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }

    public ConditionView? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);
}

public sealed record ContainerImage(string Name, string Image);

/// <summary>A ReplicaSet as one revision of its Deployment.</summary>
public sealed record ReplicaSetView
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Uid { get; init; }
    public required string ResourceVersion { get; init; }
    public string? OwnerUid { get; init; }
    public string? OwnerName { get; init; }
    public long Revision { get; init; }
    public string? TemplateHash { get; init; }
    public required int Replicas { get; init; }
    public required int StatusReplicas { get; init; }
    public required int ReadyReplicas { get; init; }
    public required int AvailableReplicas { get; init; }
    public required ImmutableArray<ContainerImage> Containers { get; init; }
    public string? ChangeCause { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    /// <summary>Brought back by a rollback (<c>deployment.kubernetes.io/revision-history</c>): it was made for an earlier revision.</summary>
    public bool Renumbered { get; init; }
}

/// <summary>A Kubernetes Event, for the recent-events list.</summary>
public sealed record EventView
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string ResourceVersion { get; init; }
    public required string Type { get; init; }
    public required string Reason { get; init; }
    public required string Message { get; init; }
    public required string InvolvedKind { get; init; }
    public required string InvolvedName { get; init; }
    public string? InvolvedUid { get; init; }
    public string? Source { get; init; }
    public int Count { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
}

/// <summary>A Service's Endpoints: the pods a load balancer sends traffic to.</summary>
public sealed record EndpointsView
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string ResourceVersion { get; init; }
    /// <summary>The pods behind ready addresses (serving).</summary>
    public required ImmutableArray<string> ReadyPods { get; init; }
    public required int NotReady { get; init; }
}
