using Dashboard.Kubernetes;
namespace Dashboard.ClusterServices.Model;

public enum RolloutPhase { Complete, Progressing, Paused, Failed, Stuck }

/// <summary>Where a rollout stands, with kubectl rollout status's own sentence.</summary>
public sealed record RolloutState(RolloutPhase Phase, string Message, string? Detail = null);

/// <summary>
/// The rollout state as <c>kubectl rollout status</c> words it (polymorphichelpers/rollout_status.go),
/// plus what a person needs beyond it: paused, and stuck when new pods cannot pull or keep crashing.
/// </summary>
public static class RolloutStatus
{
    public static string KubectlMessage(DeploymentView d)
    {
        if (d.Generation > d.ObservedGeneration) return "Waiting for deployment spec update to be observed...";
        if (d.Condition("Progressing")?.Reason == "ProgressDeadlineExceeded") return $"deployment \"{d.Name}\" exceeded its progress deadline";
        if (d.UpdatedReplicas < d.Replicas) return $"Waiting for deployment \"{d.Name}\" rollout to finish: {d.UpdatedReplicas} out of {d.Replicas} new replicas have been updated...";
        if (d.StatusReplicas > d.UpdatedReplicas) return $"Waiting for deployment \"{d.Name}\" rollout to finish: {d.StatusReplicas - d.UpdatedReplicas} old replicas are pending termination...";
        if (d.AvailableReplicas < d.UpdatedReplicas) return $"Waiting for deployment \"{d.Name}\" rollout to finish: {d.AvailableReplicas} of {d.UpdatedReplicas} updated replicas are available...";
        return $"deployment \"{d.Name}\" successfully rolled out";
    }

    /// <summary>A pod that will not become ready by waiting: what makes a rollout stuck. The overview keeps only these.</summary>
    public static bool IsStuck(PodView p) => !p.IsTerminating && PodProblems.IsStuck(p.Status);

    /// <param name="newPods">Pods of the Deployment's current ReplicaSet (<see cref="Membership.NewPodsOf"/>).</param>
    public static RolloutState Evaluate(DeploymentView d, IEnumerable<PodView> newPods)
    {
        var message = KubectlMessage(d);
        if (d.Condition("Progressing")?.Reason == "ProgressDeadlineExceeded")
            return new(RolloutPhase.Failed, message, d.Condition("Progressing")?.Message);
        var stuck = newPods.Where(IsStuck).ToList();
        if (stuck.Count > 0)
            return new(RolloutPhase.Stuck, message, $"{stuck.Count} new pod{(stuck.Count == 1 ? "" : "s")} in {string.Join(", ", stuck.Select(p => p.Status).Distinct())}");
        if (d.Paused) return new(RolloutPhase.Paused, message, "Deployment is paused");
        return message.EndsWith("successfully rolled out", StringComparison.Ordinal)
            ? new(RolloutPhase.Complete, message)
            : new(RolloutPhase.Progressing, message, $"{d.UpdatedReplicas} of {d.Replicas} updated, {d.AvailableReplicas} available");
    }
}
