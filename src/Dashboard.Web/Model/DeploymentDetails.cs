using System.Globalization;
using Dashboard.ClusterServices.Model;

namespace Dashboard.Web.Model;

/// <summary>One pod of the Deployment, with the revision of the ReplicaSet that made it.</summary>
public sealed record PodRow(PodView Pod, long Revision, bool IsNew);

/// <summary>One ReplicaSet as a progress bar: desired against current, ready and available pods.</summary>
public sealed record ReplicaSetBar(ReplicaSetView Set, bool IsNew)
{
    public int Desired => Set.Replicas;
    public int Current => Set.StatusReplicas;
    public int Ready => Set.ReadyReplicas;
    public int Available => Set.AvailableReplicas;
}

/// <summary>One revision of rollout history, from the live ReplicaSets (no extra API call).</summary>
/// <param name="ChangedBy">Who made the revision, from the Deployment's managedFields (null when they do not say).</param>
public sealed record HistoryRow(long Revision, string ReplicaSet, IReadOnlyList<ContainerImage> Containers, string? ChangeCause, DateTimeOffset? CreatedAt, bool IsCurrent,
    TemplateChange? ChangedBy = null)
{
    /// <summary>
    /// Who made the revision, as the history and the rollback dialog say it: the field manager, with the person
    /// when the dashboard made it; from the records' <paramref name="startedBy"/> when managedFields no longer say.
    /// </summary>
    public string? Author(string? startedBy) =>
        ChangedBy is { } change ? ChangeAuthors.Describe(change.Manager, startedBy)
        : startedBy is { } person && person != Dashboard.Records.RolloutRecord.OutsideTheDashboard ? ChangeAuthors.Describe(Dashboard.ClusterServices.Operations.RolloutOperations.FieldManager, person)
        : null;
}

/// <summary>
/// How much of the strategy's room the rollout uses right now: pods above the desired count against
/// maxSurge, and missing available pods against maxUnavailable.
/// </summary>
public sealed record RolloutBudget(int Desired, int MaxSurge, int MaxUnavailable, int TotalPods, int Available)
{
    public int SurgeInUse => Math.Max(0, TotalPods - Desired);
    public int Unavailable => Math.Max(0, Desired - Available);
    public bool OverUnavailable => Unavailable > MaxUnavailable;
}

/// <summary>Everything the deployment page shows, derived from the live feeds of one namespace.</summary>
public sealed record DeploymentDetails(
    DeploymentView Deployment,
    RolloutState State,
    IReadOnlyList<ReplicaSetBar> ReplicaSets,
    IReadOnlyList<PodRow> Pods,
    IReadOnlyList<HistoryRow> History,
    IReadOnlyList<EventView> Events,
    RolloutBudget Budget)
{
    public const int MaxEvents = 30;

    public long CurrentRevision => long.TryParse(Deployment.Revision, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    public static DeploymentDetails Build(DeploymentView d, IEnumerable<ReplicaSetView> replicaSets, IEnumerable<PodView> pods, IEnumerable<EventView> events)
    {
        var owned = Membership.ReplicaSetsOf(d, replicaSets).ToList();
        var current = Membership.CurrentRevision(d, owned);

        var members = Membership.PodsOf(d, owned, pods).ToList();
        var podRows = members
            .Select(m => new PodRow(m.Pod, m.Set.Revision, m.Set.Revision == current))
            .OrderByDescending(p => p.Revision)
            .ThenBy(p => p.Pod.IsTerminating)
            .ThenBy(p => p.Pod.Name, StringComparer.Ordinal)
            .ToList();

        // The new ReplicaSet always shows; old ones while they still have pods (as kubectl describe's OldReplicaSets).
        var bars = owned
            .Where(rs => rs.Revision == current || rs.Replicas > 0 || rs.StatusReplicas > 0)
            .OrderByDescending(rs => rs.Revision)
            .Select(rs => new ReplicaSetBar(rs, rs.Revision == current))
            .ToList();

        var history = owned
            .Where(rs => rs.Revision > 0)
            .OrderByDescending(rs => rs.Revision)
            .Select(rs => new HistoryRow(rs.Revision, rs.Name, rs.Containers, rs.ChangeCause, rs.CreatedAt, rs.Revision == current, ChangeAuthors.Of(d, rs, rs.Revision == current)))
            .ToList();

        var setUids = owned.Select(rs => rs.Uid).ToHashSet(StringComparer.Ordinal);
        var setNames = owned.Select(rs => rs.Name).ToList();
        var podUids = members.Select(m => m.Pod.Uid).ToHashSet(StringComparer.Ordinal);
        // Only a pod event not matched by its UID needs the namespace's pod names (the wall passes no events at all).
        var knownPods = new Lazy<HashSet<string>>(() => pods.Where(p => p.Namespace == d.Namespace).Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
        var recent = events
            .Where(e => e.Namespace == d.Namespace && e.InvolvedKind switch
            {
                "Deployment" => e.InvolvedUid is { } uid ? uid == d.Uid : e.InvolvedName == d.Name,
                "ReplicaSet" => e.InvolvedUid is { } uid ? setUids.Contains(uid) : setNames.Contains(e.InvolvedName),
                // A pod still here is the Deployment's when its owner says so; one already gone, when its ReplicaSet's generateName made its name.
                "Pod" => e.InvolvedUid is { } uid && podUids.Contains(uid)
                    || Membership.IsGoneGeneratedPod(e.InvolvedName, setNames) && !knownPods.Value.Contains(e.InvolvedName),
                _ => false,
            })
            .OrderByDescending(e => e.LastSeen)
            .ThenByDescending(e => e.Name, StringComparer.Ordinal)
            .Take(MaxEvents)
            .ToList();

        var state = RolloutStatus.Evaluate(d, podRows.Where(p => p.IsNew).Select(p => p.Pod));
        var budget = new RolloutBudget(d.Replicas, d.MaxSurge, d.MaxUnavailable, podRows.Count(p => !p.Pod.IsTerminating), d.AvailableReplicas);
        return new DeploymentDetails(d, state, bars, podRows, history, recent, budget);
    }

    /// <summary>The strategy as a person checks it: "maxSurge 25% = 2 pods, maxUnavailable 25% = 1 pod".</summary>
    public static string StrategyText(DeploymentView d) => d.Strategy == "Recreate"
        ? "Recreate: every old pod stops before new ones start"
        : $"maxSurge {d.MaxSurgeSpec ?? "25%"} = {PodCount(d.MaxSurge)}, maxUnavailable {d.MaxUnavailableSpec ?? "25%"} = {PodCount(d.MaxUnavailable)}";

    public static string PodCount(int n) => n == 1 ? "1 pod" : $"{n} pods";
}
