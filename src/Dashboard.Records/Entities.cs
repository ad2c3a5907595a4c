namespace Dashboard.Records;

/// <summary>How a rollout ended, as the records and the insights count it.</summary>
public enum RolloutOutcome
{
    InProgress,
    Complete,
    /// <summary>The progress deadline was exceeded.</summary>
    Failed,
    /// <summary>A later rollout returned to an earlier template.</summary>
    RolledBack,
    /// <summary>A newer rollout started before this one finished.</summary>
    Superseded,
    /// <summary>Paused and left so.</summary>
    Paused,
}

/// <summary>
/// One rollout of one workload revision, whoever started it. Unique per workload UID and revision, so
/// several replicas of the dashboard record it once.
/// </summary>
public sealed class RolloutRecord
{
    /// <summary>Who started a rollout the dashboard did not start, until the change's field managers say more.</summary>
    public const string OutsideTheDashboard = "outside the dashboard";

    public long Id { get; set; }
    public required string Context { get; set; }
    public required string Namespace { get; set; }
    public required string Kind { get; set; }
    public required string Workload { get; set; }
    public required string WorkloadUid { get; set; }
    public long Revision { get; set; }
    public long? FromRevision { get; set; }
    public string? FromImages { get; set; }
    public required string ToImages { get; set; }
    public string? ChangeCause { get; set; }
    /// <summary>The person when the dashboard started it; otherwise "outside the dashboard" until the change's field managers are known.</summary>
    public required string StartedBy { get; set; }
    /// <summary>The field manager that changed the pod template (managedFields: kubectl-set, helm, rollout-dashboard ...), when known.</summary>
    public string? ChangedBy { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public RolloutOutcome Outcome { get; set; }
    /// <summary>The outcome in a sentence where it needs one ("rolled back by revision 6", "progress deadline exceeded").</summary>
    public string? OutcomeDetail { get; set; }
    /// <summary>When the rollout was first seen failing (new pods stuck, the deadline exceeded): where time to restore starts.</summary>
    public DateTime? FirstFailureAt { get; set; }
    public string? ProbeVerdict { get; set; }
    public int ProbeOk { get; set; }
    public int ProbeFailed { get; set; }
    /// <summary>The timeline samples and notable events, as JSON (read whole with the record, never queried into).</summary>
    public string? SamplesJson { get; set; }
    public string? EventsJson { get; set; }

    /// <summary>A copy to hand to a writer while this one keeps changing.</summary>
    public RolloutRecord Clone() => (RolloutRecord)MemberwiseClone();

    public bool IsOpen => Outcome is RolloutOutcome.InProgress or RolloutOutcome.Paused;

    /// <summary>Counted by the change failure rate: failed with the deadline, or rolled back.</summary>
    public bool IsFailure => Outcome is RolloutOutcome.Failed or RolloutOutcome.RolledBack;
}

/// <summary>
/// One action through the dashboard. Written before the call (intent, no outcome yet) and completed
/// after it, so a crash in between still leaves a trace.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public required string Person { get; set; }
    public required string Action { get; set; }
    public string? Context { get; set; }
    public required string Namespace { get; set; }
    public required string Target { get; set; }
    /// <summary>What the person gave (image, cause, revision, replicas), as JSON.</summary>
    public string? Inputs { get; set; }
    public DateTime At { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>The operation's outcome (Succeeded, Refused, ...); null while the call is under way or if it never returned.</summary>
    public string? Outcome { get; set; }
    public string? Message { get; set; }
}
