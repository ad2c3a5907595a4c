using Dashboard.ClusterServices.Model;

namespace Dashboard.ClusterServices.Operations;

public enum OperationOutcome
{
    Succeeded,
    /// <summary>Nothing to do (already paused, already at that revision).</summary>
    Skipped,
    /// <summary>The input was refused before anything was sent.</summary>
    Invalid,
    NotFound,
    /// <summary>Others kept changing the object: three re-reads did not get a write through.</summary>
    Conflict,
    /// <summary>The cluster or the Deployment's state refuses it (paused, forbidden, validation).</summary>
    Refused,
    /// <summary>The cluster cannot be reached; nothing was changed.</summary>
    Unavailable,
}

/// <summary>The typed outcome of an operation, with a sentence for a person.</summary>
public sealed record OperationResult(OperationOutcome Outcome, string Message, DeploymentView? Deployment = null, string? Diff = null)
{
    public bool Ok => Outcome is OperationOutcome.Succeeded or OperationOutcome.Skipped;
}

/// <summary>One revision of a Deployment, as rollout history shows it.</summary>
public sealed record RevisionView(long Revision, string ReplicaSet, IReadOnlyList<ContainerImage> Containers, string? ChangeCause, DateTimeOffset? CreatedAt, bool IsCurrent, string Template);

public sealed record HistoryResult(OperationOutcome Outcome, string Message, IReadOnlyList<RevisionView> Revisions);
