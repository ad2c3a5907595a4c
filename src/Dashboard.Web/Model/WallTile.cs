using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Timeline;

namespace Dashboard.Web.Model;

/// <summary>One Deployment on the wall: its rollout, how far along, how long it has taken and will take, what users saw.</summary>
public sealed record WallTile(DeploymentDetails Details, RolloutTimeline? Timeline, ProbeSnapshot? Probe, DateTimeOffset Now)
{
    public DeploymentView Deployment => Details.Deployment;
    public RolloutState State => Details.State;
    public string Key => $"{Deployment.Namespace}/{Deployment.Name}";
    public bool InRollout => State.Phase is RolloutPhase.Progressing or RolloutPhase.Stuck or RolloutPhase.Failed;
    public bool Alarming => State.Phase is RolloutPhase.Stuck or RolloutPhase.Failed;

    /// <summary>Ready pods of the new ReplicaSet and of the old ones.</summary>
    public int NewReady => Details.ReplicaSets.Where(b => b.IsNew).Sum(b => b.Ready);
    public int OldReady => Details.ReplicaSets.Where(b => !b.IsNew).Sum(b => b.Ready);

    public TimeSpan? Elapsed => Timeline is { InProgress: true } t ? Now - t.StartedAt : null;

    /// <summary>From the pace so far: new pods that became ready per second since the rollout started.</summary>
    public TimeSpan? EstimatedLeft
    {
        get
        {
            if (Timeline is not { InProgress: true, Samples.Count: >= 2 } t || Alarming) return null;
            var first = t.Samples[0];
            var gained = NewReady - first.NewReady;
            var seconds = (Now - t.StartedAt).TotalSeconds;
            if (gained <= 0 || seconds <= 0) return null;
            var left = Math.Max(0, Deployment.Replicas - NewReady) / (gained / seconds);
            return TimeSpan.FromSeconds(Math.Ceiling(left));
        }
    }

    /// <summary>The probe's verdict on the latest rollout it saw, for the room to read.</summary>
    public RolloutVerdict? Verdict => Probe?.Verdicts.LastOrDefault();

    /// <summary>Rollouts first (failed, stuck, progressing), then the rest by namespace and name.</summary>
    public static IReadOnlyList<WallTile> Order(IEnumerable<WallTile> tiles) => tiles
        .OrderBy(t => t.State.Phase switch { RolloutPhase.Failed => 0, RolloutPhase.Stuck => 1, RolloutPhase.Progressing => 2, RolloutPhase.Paused => 3, _ => 4 })
        .ThenBy(t => t.Deployment.Namespace, StringComparer.Ordinal)
        .ThenBy(t => t.Deployment.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// Splits tiles into screens that fit without scrolling: a rollout counts as <see cref="LargeWeight"/>
    /// small tiles. Rollouts in progress always land on the first screens.
    /// </summary>
    public const int LargeWeight = 4;

    public static IReadOnlyList<IReadOnlyList<WallTile>> Pages(IReadOnlyList<WallTile> ordered, int capacity)
    {
        var pages = new List<IReadOnlyList<WallTile>>();
        var page = new List<WallTile>();
        var used = 0;
        foreach (var tile in ordered)
        {
            var weight = tile.InRollout ? LargeWeight : 1;
            if (used + weight > capacity && page.Count > 0)
            {
                pages.Add(page);
                page = [];
                used = 0;
            }
            page.Add(tile);
            used += weight;
        }
        if (page.Count > 0 || pages.Count == 0) pages.Add(page);
        return pages;
    }

    static readonly (int Columns, int Rows)[] Grids = [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (4, 3), (5, 4), (6, 4)];

    /// <summary>
    /// The smallest grid the screen's tiles fit in, so a quiet cluster gets big, legible tiles and a
    /// busy one still fits: a rollout takes two by two cells, any other Deployment one.
    /// </summary>
    public static (int Columns, int Rows) GridFor(IReadOnlyList<WallTile> page)
    {
        var large = page.Count(t => t.InRollout);
        var weight = large * LargeWeight + page.Count - large;
        foreach (var (columns, rows) in Grids)
            if (columns * rows >= weight && (large == 0 || large <= (columns / 2) * (rows / 2))) return (columns, rows);
        return Grids[^1];
    }
}
