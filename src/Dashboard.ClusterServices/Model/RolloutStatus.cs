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
    public static string KubectlMessage(DeploymentView d) => KubectlStatus(d).Message;

    static (string Message, bool Done) KubectlStatus(DeploymentView d) => KubectlFormat.DeploymentRolloutStatus(
        d.Name, d.Generation, d.ObservedGeneration, d.Condition("Progressing")?.Reason, d.Replicas, d.UpdatedReplicas, d.StatusReplicas, d.AvailableReplicas);

    /// <summary>A pod that will not become ready by waiting: what makes a rollout stuck. The overview keeps only these.</summary>
    public static bool IsStuck(PodView p) => !p.IsTerminating && PodProblems.IsStuck(p.Status);

    /// <param name="newPods">Pods of the Deployment's current ReplicaSet (<see cref="Membership.NewPodsOf"/>).</param>
    public static RolloutState Evaluate(DeploymentView d, IEnumerable<PodView> newPods)
    {
        var (message, done) = KubectlStatus(d);
        if (d.Condition("Progressing")?.Reason == "ProgressDeadlineExceeded")
            return new(RolloutPhase.Failed, message, d.Condition("Progressing")?.Message);
        var stuck = newPods.Where(IsStuck).ToList();
        if (stuck.Count > 0)
            return new(RolloutPhase.Stuck, message, $"{stuck.Count} new pod{(stuck.Count == 1 ? "" : "s")} in {string.Join(", ", stuck.Select(p => p.Status).Distinct())}");
        if (d.Paused) return new(RolloutPhase.Paused, message, "Deployment is paused");
        return done
            ? new(RolloutPhase.Complete, message)
            : new(RolloutPhase.Progressing, message, $"{d.UpdatedReplicas} of {d.Replicas} updated, {d.AvailableReplicas} available");
    }
}
