using System.Globalization;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Kubernetes;
using Dashboard.Records;

namespace Dashboard.Web.Records;

/// <summary>What the book is shown each second: the cluster as the shared caches hold it, and what the timelines and probes measured.</summary>
public sealed record ClusterMoment(
    DateTime Now,
    IReadOnlyCollection<DeploymentView> Deployments,
    ILookup<string, ReplicaSetView> SetsByOwner,
    /// <summary>The pods a ReplicaSet (namespace, UID) controls, or null while its namespace's pods are not in.</summary>
    Func<string, string, IEnumerable<PodView>?> PodsOf,
    Func<string, string, string, IReadOnlyList<TimelineSample>?> TimelineOf,
    Func<string, string, string, RolloutVerdict?> VerdictOf);

/// <summary>
/// The rules that turn what the caches see into rollout records, whoever made the change. A new revision
/// on a Deployment is a new rollout; the rollout before it is RolledBack when the new revision's
/// ReplicaSet is an older template brought back (it existed before that rollout began), or Superseded
/// when it had not finished. A rollout is InProgress while it progresses (new pods stuck mark its first
/// failure), Failed when its progress deadline is exceeded, Complete when kubectl would say "successfully
/// rolled out", Paused while paused. A Deployment first seen complete is the baseline, not a rollout.
/// Pure over its inputs, so the rules are specified without a cluster or a database.
/// </summary>
public sealed class RolloutBook(string context)
{
    /// <summary>An open record is written at least this often, so its samples outlive a crash.</summary>
    public static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(5);

    sealed class Tracked
    {
        public RolloutRecord? Current;
        /// <summary>The record the current one ended, as last written: the guard's reason may come a moment after its rollback.</summary>
        public RolloutRecord? Previous;
        public long Baseline;
        public DateTime LastSaved;
        /// <summary>The revision each of the Deployment's ReplicaSets had when first seen: a rollback renumbers one.</summary>
        public readonly Dictionary<string, long> FirstRevision = new(StringComparer.Ordinal);
        public readonly HashSet<string> Noted = new(StringComparer.Ordinal);
        /// <summary>The current record's samples and events, kept as lists and written out as JSON with each save.</summary>
        public List<RecordedSample> Samples = [];
        public List<RecordedEvent> Events = [];

        public void Follow(RolloutRecord record)
        {
            Current = record;
            Samples = [.. record.Samples()];
            Events = [.. record.Events()];
            Noted.Clear();
        }

        public RolloutRecord Copy()
        {
            var copy = Current!.Clone();
            copy.SamplesJson = Samples.Count == 0 ? null : RecordDetails.Write(Samples);
            copy.EventsJson = Events.Count == 0 ? null : RecordDetails.Write(Events);
            return copy;
        }
    }

    readonly Dictionary<string, Tracked> _byUid = new(StringComparer.Ordinal);

    public string Context => context;

    /// <summary>Records still open: the namespaces whose pods the recorder follows.</summary>
    public IEnumerable<RolloutRecord> Open => _byUid.Values.Select(t => t.Current).OfType<RolloutRecord>().Where(r => r.IsOpen);

    /// <summary>Picks up the newest record of each workload after a restart: an open one goes on where it was.</summary>
    public void Load(IEnumerable<RolloutRecord> latest)
    {
        foreach (var record in latest.Where(r => r.Context == context))
        {
            var tracked = new Tracked();
            tracked.Follow(record);
            _byUid[record.WorkloadUid] = tracked;
        }
    }

    /// <summary>
    /// Looks at every Deployment once; returns copies of the records that changed (to be written), and
    /// which of them are new (whose starter may still be looked up).
    /// </summary>
    /// <param name="only">The Deployments (by UID) that just changed; null for all (and to forget those gone).</param>
    /// <remarks>Samples and the probe's counts are taken in only when all are looked at (once a second), not at every change.</remarks>
    public IReadOnlyList<(RolloutRecord Record, bool Started)> Observe(ClusterMoment moment, Func<DeploymentView, string?> startedBy, IReadOnlySet<string>? only = null)
    {
        var changed = new List<(RolloutRecord, bool)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in moment.Deployments)
        {
            if (only is not null && !only.Contains(d.Uid)) continue;
            seen.Add(d.Uid);
            // Until the controller has seen the latest spec, its revision and status describe the previous one: they can
            // still end that rollout (it completed a moment before the next change), but cannot begin the next.
            var unobserved = d.ObservedGeneration < d.Generation;
            var owned = moment.SetsByOwner[d.Uid].Where(rs => rs.Namespace == d.Namespace).ToList();
            var revision = Membership.CurrentRevision(d, owned);
            var newSet = owned.FirstOrDefault(rs => rs.Revision == revision);
            if (revision == 0 || newSet is null) continue;
            if (!_byUid.TryGetValue(d.Uid, out var tracked)) _byUid[d.Uid] = tracked = new Tracked();
            var returned = newSet.CreatedAt is { } created && tracked.Current is { } before && created.UtcDateTime < before.StartedAt.AddSeconds(-1)
                || tracked.FirstRevision.TryGetValue(newSet.Uid, out var first) && first < revision;
            foreach (var rs in owned) tracked.FirstRevision.TryAdd(rs.Uid, rs.Revision);

            // New pods matter while a rollout is open (stuck ones are its events): a settled Deployment is not searched for them.
            var pods = tracked.Current is { IsOpen: true } || tracked.Current?.Revision != revision ? moment.PodsOf(d.Namespace, newSet.Uid) : null;
            var newPods = pods is null ? [] : pods.Where(p => Membership.IsPodOf(p, newSet)).ToList();
            var state = RolloutStatus.Evaluate(unobserved ? d with { Generation = d.ObservedGeneration } : d, newPods);
            var now = moment.Now;

            var record = tracked.Current;
            var isNew = false;
            if (record is null || record.Revision < revision)
            {
                if (unobserved) continue;
                var settled = state.Phase == RolloutPhase.Complete || d.Paused && d.UpdatedReplicas == d.Replicas && d.AvailableReplicas >= d.Replicas;
                if (record is null && tracked.Baseline == 0 && settled)
                {
                    tracked.Baseline = revision;
                    continue;
                }
                if (record is null && tracked.Baseline == revision) continue;
                if (record is not null && (returned || record.IsOpen))
                {
                    var rolledBack = returned;
                    record.Outcome = rolledBack ? RolloutOutcome.RolledBack : RolloutOutcome.Superseded;
                    record.OutcomeDetail = rolledBack ? $"rolled back by revision {revision}" : $"superseded by revision {revision}";
                    record.EndedAt = record.EndedAt is { } ended && !rolledBack ? ended : now;
                    if (rolledBack) record.FirstFailureAt ??= now;
                    tracked.Previous = tracked.Copy();
                    changed.Add((tracked.Previous.Clone(), false));
                }
                var previous = owned.Where(rs => rs.Revision < revision).MaxBy(rs => rs.Revision);
                record = new RolloutRecord
                {
                    Context = context, Namespace = d.Namespace, Kind = "Deployment", Workload = d.Name, WorkloadUid = d.Uid, Revision = revision,
                    FromRevision = previous?.Revision ?? (tracked.Baseline > 0 ? tracked.Baseline : null),
                    FromImages = previous is null ? null : Images(previous.Containers),
                    ToImages = Images(d.Containers), ChangeCause = d.ChangeCause ?? newSet.ChangeCause,
                    StartedBy = startedBy(d) ?? RolloutRecord.OutsideTheDashboard,
                    ChangedBy = ChangeAuthors.Of(d, newSet, isCurrent: true)?.Manager,
                    // Seen late (the dashboard was starting): the rollout began when its ReplicaSet was made, if that was this rollout's.
                    StartedAt = newSet.CreatedAt is { } made && !returned && made.UtcDateTime < now && now - made.UtcDateTime < TimeSpan.FromHours(1) ? made.UtcDateTime : now,
                    Outcome = RolloutOutcome.InProgress,
                };
                tracked.Follow(record);
                isNew = true;
            }
            else if (record.Revision > revision) continue;

            // The ReplicaSet keeps the revision's own change cause (kubectl rollout history shows it), which an annotate after the change sets.
            if (record.IsOpen && newSet.ChangeCause is { } cause && cause != record.ChangeCause)
            {
                record.ChangeCause = cause;
                tracked.LastSaved = DateTime.MinValue;
            }
            // The guard marks what it did on the Deployment just after doing it: a rollback ends the record before, a pause leaves this one paused.
            if (d.GuardActedReason is { Length: > 0 } why)
            {
                if (tracked.Previous is { Outcome: RolloutOutcome.RolledBack } undone && undone.Revision == d.GuardActedRevision - 1 && undone.OutcomeDetail != why
                    && why.StartsWith("guard rolled back", StringComparison.Ordinal))
                {
                    undone.OutcomeDetail = why;
                    changed.Add((undone.Clone(), false));
                }
                if (d.Paused && record.Revision == d.GuardActedRevision) state = state with { Detail = why };
            }
            // managedFields name the tool that changed the template (they may come with a later copy of the Deployment).
            if (record.ChangedBy is null && record.Revision == revision && ChangeAuthors.Of(d, newSet, isCurrent: true) is { } author)
            {
                record.ChangedBy = author.Manager;
                tracked.LastSaved = DateTime.MinValue;
                if (!isNew) changed.Add((tracked.Copy(), false));
            }
            var wasOpen = record.IsOpen;
            var material = isNew | Advance(record, state, newPods, now, tracked);
            // A record that has ended takes no more samples (the timeline's tail after completion is not the rollout).
            if (!wasOpen && !isNew) continue;
            var measured = only is null && Measure(record, moment, tracked);
            if (material || measured && now - tracked.LastSaved >= SaveEvery)
            {
                tracked.LastSaved = now;
                changed.Add((tracked.Copy(), isNew));
            }
        }
        if (only is null)
            foreach (var gone in _byUid.Keys.Where(uid => !seen.Contains(uid)).ToList()) _byUid.Remove(gone);
        return changed;
    }

    /// <summary>Moves the record's outcome on with the Deployment's phase; true when the outcome or events changed.</summary>
    static bool Advance(RolloutRecord record, RolloutState state, IReadOnlyList<PodView> newPods, DateTime now, Tracked tracked)
    {
        var before = (record.Outcome, record.OutcomeDetail, record.EndedAt, record.FirstFailureAt);
        var events = tracked.Events;
        var eventsBefore = events.Count;
        foreach (var pod in newPods.Where(RolloutStatus.IsStuck))
            if (tracked.Noted.Add($"{pod.Name}/{pod.Status}") && !events.Any(e => e.Pod == pod.Name && e.Reason == pod.Status))
                events.Add(new RecordedEvent(now, $"new pod {pod.Name} is {pod.Status}", pod.Name, pod.Status));

        // Complete and rolled back are where a record ends; only a later rollout changes it again.
        if (record.Outcome is RolloutOutcome.Complete or RolloutOutcome.RolledBack or RolloutOutcome.Superseded) { }
        else switch (state.Phase)
        {
            case RolloutPhase.Complete:
                record.Outcome = RolloutOutcome.Complete;
                record.OutcomeDetail = before.Outcome == RolloutOutcome.Failed ? "complete after the progress deadline was exceeded" : null;
                record.EndedAt = now;
                break;
            case RolloutPhase.Failed:
                if (record.Outcome != RolloutOutcome.Failed)
                {
                    record.Outcome = RolloutOutcome.Failed;
                    record.OutcomeDetail = state.Detail ?? "progress deadline exceeded";
                    record.EndedAt = now;
                    record.FirstFailureAt ??= now;
                    events.Add(new RecordedEvent(now, $"progress deadline exceeded: {state.Detail}", Reason: "ProgressDeadlineExceeded"));
                }
                break;
            case RolloutPhase.Stuck:
                record.Outcome = RolloutOutcome.InProgress;
                record.EndedAt = null;
                record.FirstFailureAt ??= now;
                break;
            case RolloutPhase.Paused:
                record.Outcome = RolloutOutcome.Paused;
                record.OutcomeDetail = state.Detail ?? "paused and left so";
                record.EndedAt = null;
                break;
            default:
                record.Outcome = RolloutOutcome.InProgress;
                record.OutcomeDetail = null;
                record.EndedAt = null;
                break;
        }
        if (events.Count > RecordDetails.EventsKept) events.RemoveRange(0, events.Count - RecordDetails.EventsKept);
        return events.Count != eventsBefore || before != (record.Outcome, record.OutcomeDetail, record.EndedAt, record.FirstFailureAt);
    }

    /// <summary>Takes in the timeline's samples and the probe's verdict for the record's revision; true when either grew.</summary>
    static bool Measure(RolloutRecord record, ClusterMoment moment, Tracked tracked)
    {
        var revision = record.Revision.ToString(CultureInfo.InvariantCulture);
        var grew = false;
        if (moment.TimelineOf(record.Namespace, record.Workload, revision) is { Count: > 0 } timeline)
        {
            var samples = tracked.Samples;
            var last = samples.Count > 0 ? samples[^1].At : DateTime.MinValue;
            // Samples from before a restart stay; the live timeline adds what is newer than the last kept.
            foreach (var s in timeline)
                if (s.At.UtcDateTime > last)
                {
                    samples.Add(new RecordedSample(s.At.UtcDateTime, s.NewReady, s.OldReady, s.Unavailable, s.Serving, s.Desired));
                    grew = true;
                }
            if (samples.Count > RecordDetails.SamplesKept) samples.RemoveRange(0, samples.Count - RecordDetails.SamplesKept);
        }
        if (moment.VerdictOf(record.Namespace, record.Workload, revision) is { } verdict && (verdict.Ok, verdict.Failed) != (record.ProbeOk, record.ProbeFailed))
        {
            record.ProbeOk = (int)verdict.Ok;
            record.ProbeFailed = (int)verdict.Failed;
            record.ProbeVerdict = verdict.Sentence;
            grew = true;
        }
        return grew;
    }

    /// <summary>"name=image" per container, as <c>kubectl set image</c> takes them.</summary>
    public static string Images(IEnumerable<ContainerImage> containers) => string.Join(", ", containers.Select(c => $"{c.Name}={c.Image}"));
}
