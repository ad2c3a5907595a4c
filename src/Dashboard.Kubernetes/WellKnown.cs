namespace Dashboard.Kubernetes;

/// <summary>
/// The labels and annotations with a meaning to controllers, kubectl or this dashboard, named once:
/// the simulator writes them and the dashboard reads them, so both must spell them alike.
/// </summary>
public static class WellKnown
{
    /// <summary>The Deployment revision a ReplicaSet (and its Deployment) carries (deployment_util.go RevisionAnnotation).</summary>
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string RollbackToAnnotation = "deprecated.deployment.rollback.to";
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
    /// <summary>What <c>kubectl rollout history</c> prints as CHANGE-CAUSE.</summary>
    public const string ChangeCauseAnnotation = "kubernetes.io/change-cause";
    /// <summary>The pod-template annotation <c>kubectl rollout restart</c> sets to the time of the restart.</summary>
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    public const string PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";
    /// <summary>The label tying a ReplicaSet and its pods to one pod template of their Deployment.</summary>
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    /// <summary>
    /// Where a Service of the embedded cluster answers on loopback, published on the Service as a cloud
    /// load-balancer controller publishes its address; the traffic probe reads it only from the cluster it hosts.
    /// </summary>
    public const string DataPlaneUrlAnnotation = "rollout-dashboard.io/data-plane-url";
    /// <summary>Opts a Deployment into the rollout guard: <c>pause</c> or <c>rollback</c> (absent or <c>off</c>: no guard).</summary>
    public const string GuardAnnotation = "rollout-dashboard.io/guard";
    /// <summary>The share of probe requests that may fail during a guarded rollout (default 0.01).</summary>
    public const string GuardMaxFailedRatioAnnotation = "rollout-dashboard.io/guard-max-failed-ratio";
    /// <summary>How long a new pod may be stuck or not ready before the guard acts (default 60).</summary>
    public const string GuardStuckSecondsAnnotation = "rollout-dashboard.io/guard-stuck-seconds";
    /// <summary>
    /// Written by the guard when it has acted: the newest revision it is done with (the rollout it stopped,
    /// or the rollback it made). Any replica that becomes the leader reads it, so no rollout is acted on twice.
    /// </summary>
    public const string GuardActedAnnotation = "rollout-dashboard.io/guard-acted-revision";
    /// <summary>Written with <see cref="GuardActedAnnotation"/>: what the guard did and why, the sentence every replica's records take.</summary>
    public const string GuardActedReasonAnnotation = "rollout-dashboard.io/guard-acted-reason";
}

/// <summary>Reads of labels and annotations that are absent more often than not.</summary>
public static class Metadata
{
    public static string? Label(k8s.Models.V1ObjectMeta? meta, string key) => ValueOf(meta?.Labels, key);

    public static string? Annotation(k8s.Models.V1ObjectMeta? meta, string key) => ValueOf(meta?.Annotations, key);

    public static string? ValueOf(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
