using System.Globalization;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Dashboard.ClusterServices.Guard;

/// <summary>Why a guard trips, in the words the deployment page, the wall and the notification use.</summary>
public sealed record GuardTrip(string Reason);

/// <summary>What the guard did about one rollout: the sentence people read, and how the call ended.</summary>
public sealed record GuardAction(string Namespace, string Deployment, string Uid, long Revision, GuardMode Mode, long? ToRevision, string Reason,
    string Sentence, DateTimeOffset At, OperationOutcome Outcome, string Message)
{
    /// <summary>The images of the rollout the guard stopped, and of the revision it went back to (name=image, as kubectl set image takes them).</summary>
    public string? Images { get; init; }
    public string? PreviousImages { get; init; }
}

/// <summary>Told before the guard acts and after: the audit trail and the records hear of it there.</summary>
public interface IGuardObserver
{
    Task<object?> BeforeAsync(GuardAction intent, CancellationToken cancellationToken);

    Task AfterAsync(object? token, GuardAction done);
}

/// <summary>
/// The rules that trip a guard, over one moment of a rollout: the progress deadline exceeded; a new pod
/// stuck (CrashLoopBackOff, ImagePullBackOff, ErrImagePull, InvalidImageName, ...) or not ready for the
/// guard's stuck seconds; more than its share of the probe's requests failing during the rollout (once
/// at least <see cref="MinimumRequests"/> were sent).
/// </summary>
public static class GuardJudge
{
    public const int MinimumRequests = 20;

    /// <param name="badSince">When each new pod was first seen stuck or not ready; kept by the caller between moments, updated here.</param>
    public static GuardTrip? Judge(DeploymentView d, IReadOnlyCollection<PodView> newPods, RolloutVerdict? verdict, DateTimeOffset now, IDictionary<string, DateTimeOffset> badSince)
    {
        var policy = d.Guard;
        if (d.Condition("Progressing") is { Reason: "ProgressDeadlineExceeded" } deadline)
            return new GuardTrip($"the progress deadline was exceeded ({deadline.Message})");
        if (verdict is { } v && v.Ok + v.Failed >= MinimumRequests && v.Failed / (double)(v.Ok + v.Failed) > policy.MaxFailedRatio)
        {
            var share = v.Failed / (double)(v.Ok + v.Failed);
            return new GuardTrip($"{v.Failed} of {v.Ok + v.Failed} requests failed, {share.ToString("0.0%", CultureInfo.InvariantCulture)} > {policy.MaxFailedRatio.ToString("0.##%", CultureInfo.InvariantCulture)}");
        }
        var current = newPods.Where(p => !p.IsTerminating).ToList();
        foreach (var gone in badSince.Keys.Where(name => !current.Any(p => p.Name == name && (!p.Ready || RolloutStatus.IsStuck(p)))).ToList()) badSince.Remove(gone);
        foreach (var pod in current.Where(p => !p.Ready || RolloutStatus.IsStuck(p)))
        {
            if (!badSince.TryGetValue(pod.Name, out var since)) badSince[pod.Name] = since = now;
            if (now - since >= TimeSpan.FromSeconds(policy.StuckSeconds))
                return new GuardTrip(RolloutStatus.IsStuck(pod)
                    ? $"new pod {pod.Name} has been in {pod.Status} for {(int)(now - since).TotalSeconds} s (limit {policy.StuckSeconds} s)"
                    : $"new pod {pod.Name} has not been ready for {(int)(now - since).TotalSeconds} s (limit {policy.StuckSeconds} s)");
        }
        return null;
    }
}

/// <summary>
/// The guard for plain Deployments that opt in by annotation: during each rollout of a guarded
/// Deployment it probes the Service in front of it (from the spec change until 10 s after completion)
/// and, when a rule trips, acts once for that rollout, as the dashboard's own identity: pause (as
/// <c>kubectl rollout pause</c>) or roll back to the revision before (as <c>kubectl rollout undo</c>).
/// It never acts on a paused Deployment, never twice on one rollout, and never on the rollback it made
/// itself; a change after it acted is a new rollout. Reads the shared caches (no watch of its own).
/// </summary>
/// <remarks>
/// With several replicas only the leader acts and probes (<paramref name="mayAct"/>); what it has done is
/// written on the Deployment (<c>rollout-dashboard.io/guard-acted-revision</c>), so a new leader takes
/// up a decision in flight without taking it twice.
/// </remarks>
public sealed class RolloutGuard(ClusterCache cache, TrafficProbes probes, RolloutOperations operations, TimeProvider clock, ILogger<RolloutGuard> logger,
    IGuardObserver? observer = null, Func<bool>? mayAct = null) : IAsyncDisposable
{
    /// <summary>The dashboard's identity when the guard acts: what the Event, the audit and the records say.</summary>
    public const string Actor = "rollout guard";
    static readonly TimeSpan ProbeTail = TimeSpan.FromSeconds(10);
    const int ActionsKept = 50;

    sealed class Watched
    {
        public long Revision;
        public readonly HashSet<long> Settled = [];
        public readonly Dictionary<string, DateTimeOffset> BadSince = new(StringComparer.Ordinal);
        public bool Probing;
        public DateTimeOffset? CompletedAt;
    }

    readonly Lock _gate = new();
    readonly Dictionary<string, DeploymentView> _deployments = new(StringComparer.Ordinal);
    readonly Dictionary<string, ReplicaSetView> _replicaSets = new(StringComparer.Ordinal);
    readonly Dictionary<string, Watched> _watched = new(StringComparer.Ordinal);
    readonly Dictionary<string, (PodIndex Pods, CancellationTokenSource Stop)> _pods = new(StringComparer.Ordinal);
    readonly List<GuardAction> _actions = [];
    readonly CancellationTokenSource _stop = new();
    /// <summary>Released when a guarded Deployment's spec changes, so the probe starts at once rather than at the next tick.</summary>
    readonly SemaphoreSlim _specChanged = new(0);
    readonly List<Task> _loops = [];
    readonly List<IAsyncDisposable> _feeds = [];

    /// <summary>Raised (on the guard's thread) after it acted.</summary>
    public event Action<GuardAction>? Acted;

    /// <summary>What the guard did, newest first.</summary>
    public IReadOnlyList<GuardAction> Actions()
    {
        lock (_gate) return [.. Enumerable.Reverse(_actions)];
    }

    /// <summary>The guard's last action on a Deployment, if any.</summary>
    public GuardAction? LastActionOn(string ns, string name)
    {
        lock (_gate) return _actions.LastOrDefault(a => a.Namespace == ns && a.Deployment == name);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var deployments = await cache.SubscribeDeploymentsAsync(null, cancellationToken);
        var replicaSets = await cache.SubscribeReplicaSetsAsync(null, cancellationToken);
        _feeds.AddRange([deployments, replicaSets]);
        _loops.Add(FollowAsync(deployments, _deployments, static d => $"{d.Namespace}/{d.Name}",
            changes => changes.Any(c => c.Kind != ChangeKind.Delete && c.View.Guard.On && c.View.ObservedGeneration < c.View.Generation)));
        _loops.Add(FollowAsync(replicaSets, _replicaSets, static rs => $"{rs.Namespace}/{rs.Name}"));
        _loops.Add(RunAsync());
    }

    async Task FollowAsync<T>(Subscription<T> feed, Dictionary<string, T> state, Func<T, string> key, Func<IEnumerable<Change<T>>, bool>? wakes = null)
    {
        lock (_gate)
            foreach (var item in feed.Snapshot) state[key(item)] = item;
        feed.ReleaseSnapshot();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(_stop.Token);
                lock (_gate) update.ApplyTo(state, key);
                if (wakes is not null && wakes(update.Changes) && _specChanged.CurrentCount == 0) _specChanged.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            var tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
            var changed = _specChanged.WaitAsync(_stop.Token);
            while (true)
            {
                // Each second, or at once when a guarded Deployment's spec changed (its old pods may be going already).
                if (await Task.WhenAny(tick, changed) == tick)
                {
                    if (!await tick) break;
                    tick = timer.WaitForNextTickAsync(_stop.Token).AsTask();
                }
                else
                {
                    await changed;
                    changed = _specChanged.WaitAsync(_stop.Token);
                }
                try { await CheckOnceAsync(_stop.Token); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Rollout guard: a check failed: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Looks at every guarded Deployment once: starts and stops probes, and acts where a rule trips.</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        if (mayAct is { } leading && !leading()) return;
        var now = clock.GetUtcNow();
        var due = new List<(DeploymentView D, GuardTrip Trip, ReplicaSetView? Previous)>();
        var probesToStart = new List<DeploymentView>();
        var probesToStop = new List<DeploymentView>();
        lock (_gate)
        {
            var setsByOwner = _replicaSets.Values.Where(rs => rs.OwnerUid is not null).ToLookup(rs => rs.OwnerUid!);
            var guarded = _deployments.Values.Where(d => d.Guard.On).ToList();
            foreach (var uid in _watched.Keys.Where(uid => !guarded.Any(d => d.Uid == uid)).ToList()) _watched.Remove(uid);
            foreach (var d in guarded)
            {
                if (!_watched.TryGetValue(d.Uid, out var w)) _watched[d.Uid] = w = new Watched();
                var owned = setsByOwner[d.Uid].Where(rs => rs.Namespace == d.Namespace).ToList();
                var revision = Membership.CurrentRevision(d, owned);
                if (revision != w.Revision)
                {
                    w.Revision = revision;
                    w.BadSince.Clear();
                    w.CompletedAt = null;
                }
                var pods = PodsOf(d.Namespace);
                var newSet = owned.FirstOrDefault(rs => rs.Revision == revision);
                var newPods = pods is null || newSet is null ? [] : pods.OwnedBy(newSet.Uid).Where(p => Membership.IsPodOf(p, newSet)).ToList();
                var state = RolloutStatus.Evaluate(d, newPods);
                var underWay = d.ObservedGeneration < d.Generation || state.Phase is RolloutPhase.Progressing or RolloutPhase.Stuck or RolloutPhase.Failed;
                if (underWay)
                {
                    w.CompletedAt = null;
                    if (!w.Probing) probesToStart.Add(d);
                }
                else if (state.Phase == RolloutPhase.Complete)
                {
                    w.CompletedAt ??= now;
                    if (w.Probing && now - w.CompletedAt >= ProbeTail) probesToStop.Add(d);
                }
                // Never on a paused Deployment, never twice on one rollout, never on its own rollback; until the pods are in, nothing is known.
                if (!underWay || d.Paused || pods is null || w.Settled.Contains(revision) || revision <= d.GuardActedRevision || d.ObservedGeneration < d.Generation) continue;
                var verdict = probes.Find(d.Namespace, d.Name)?.Verdicts.LastOrDefault(v => v.Revision == revision.ToString(CultureInfo.InvariantCulture));
                if (GuardJudge.Judge(d, newPods, verdict, now, w.BadSince) is not { } trip) continue;
                w.Settled.Add(revision);
                due.Add((d, trip, owned.Where(rs => rs.Revision < revision).MaxBy(rs => rs.Revision)));
            }
        }
        FollowPods();
        foreach (var d in probesToStart) await StartProbeAsync(d, cancellationToken);
        foreach (var d in probesToStop) await StopProbeAsync(d);
        foreach (var (d, trip, previous) in due) await ActAsync(d, trip, previous, cancellationToken);
    }

    PodIndex? PodsOf(string ns) => _pods.TryGetValue(ns, out var entry) && entry.Pods.Ready ? entry.Pods : null;

    async Task ActAsync(DeploymentView d, GuardTrip trip, ReplicaSetView? previous, CancellationToken cancellationToken)
    {
        var toRevision = previous?.Revision;
        var mode = d.Guard.Mode == GuardMode.Rollback && toRevision is null ? GuardMode.Pause : d.Guard.Mode;
        var revision = _watched.TryGetValue(d.Uid, out var w) ? w.Revision : 0;
        var sentence = mode == GuardMode.Rollback
            ? $"guard rolled back {d.Name} to revision {toRevision}: {trip.Reason}"
            : $"guard paused {d.Name}: {trip.Reason}";
        var intent = new GuardAction(d.Namespace, d.Name, d.Uid, revision, mode, mode == GuardMode.Rollback ? toRevision : null, trip.Reason, sentence,
            clock.GetUtcNow(), OperationOutcome.Succeeded, "")
        {
            Images = string.Join(", ", d.Containers.Select(c => $"{c.Name}={c.Image}")),
            PreviousImages = previous is null ? null : string.Join(", ", previous.Containers.Select(c => $"{c.Name}={c.Image}")),
        };
        var token = observer is null ? null : await observer.BeforeAsync(intent, cancellationToken);
        var result = mode == GuardMode.Rollback
            ? await operations.RollbackAsync(d.Namespace, d.Name, toRevision!.Value, Actor, cancellationToken: cancellationToken)
            : await operations.PauseAsync(d.Namespace, d.Name, Actor, cancellationToken);
        var done = intent with
        {
            Outcome = result.Outcome,
            Message = result.Message,
            Sentence = result.Outcome is OperationOutcome.Succeeded ? sentence : $"guard could not {(mode == GuardMode.Rollback ? "roll back" : "pause")} {d.Name} ({trip.Reason}): {result.Message}",
        };
        lock (_gate)
        {
            _actions.Add(done);
            if (_actions.Count > ActionsKept) _actions.RemoveAt(0);
            // The rollback is the guard's own change: the next revision is not guarded against it.
            if (mode == GuardMode.Rollback && result.Outcome is OperationOutcome.Succeeded && w is not null) w.Settled.Add(revision + 1);
        }
        // On the Deployment, for whichever replica leads next: done with this rollout, and with the rollback it made.
        var mark = await operations.MarkGuardActedAsync(d.Namespace, d.Name, mode == GuardMode.Rollback && result.Outcome is OperationOutcome.Succeeded ? revision + 1 : revision,
            done.Sentence, Actor, cancellationToken);
        if (mark.Outcome is not (OperationOutcome.Succeeded or OperationOutcome.Skipped)) logger.LogWarning("Rollout guard: {Deployment} could not be marked as acted on: {Message}", d.Name, mark.Message);
        if (result.Outcome is OperationOutcome.Succeeded) logger.LogWarning("Rollout guard: {Sentence}", done.Sentence);
        else logger.LogError("Rollout guard: {Sentence}", done.Sentence);
        if (observer is not null) await observer.AfterAsync(token, done);
        Acted?.Invoke(done);
    }

    async Task StartProbeAsync(DeploymentView d, CancellationToken cancellationToken)
    {
        if (probes.Find(d.Namespace, d.Name) is { Running: true })
        {
            lock (_gate) if (_watched.TryGetValue(d.Uid, out var running)) running.Probing = true;
            return;
        }
        var started = await probes.StartAsync(d.Namespace, d.Name, cancellationToken: cancellationToken);
        lock (_gate) if (_watched.TryGetValue(d.Uid, out var w)) w.Probing = true; // a Deployment with no Service is not asked again during this rollout
        if (started.Ok) logger.LogInformation("Rollout guard: probing {Namespace}/{Name} during its rollout", d.Namespace, d.Name);
    }

    async Task StopProbeAsync(DeploymentView d)
    {
        lock (_gate) if (_watched.TryGetValue(d.Uid, out var w)) w.Probing = false;
        if (probes.Find(d.Namespace, d.Name) is { Running: true }) await probes.StopAsync(d.Namespace, d.Name);
    }

    /// <summary>Follows the pods of namespaces with a guarded Deployment; lets go of the others.</summary>
    void FollowPods()
    {
        List<string> open;
        lock (_gate)
        {
            var needed = _deployments.Values.Where(d => d.Guard.On).Select(d => d.Namespace).ToHashSet(StringComparer.Ordinal);
            foreach (var ns in _pods.Keys.Where(ns => !needed.Contains(ns)).ToList())
            {
                _pods[ns].Stop.Cancel();
                _pods.Remove(ns);
            }
            open = needed.Where(ns => !_pods.ContainsKey(ns)).ToList();
            foreach (var ns in open) _pods[ns] = (new PodIndex(), CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
        }
        foreach (var ns in open)
        {
            (PodIndex Pods, CancellationTokenSource Stop) entry;
            lock (_gate) entry = _pods[ns];
            lock (_gate) _loops.Add(FollowPodsAsync(ns, entry.Pods, entry.Stop.Token));
        }
    }

    async Task FollowPodsAsync(string ns, PodIndex index, CancellationToken stop)
    {
        try
        {
            await using var feed = await cache.SubscribePodsAsync(ns, stop);
            lock (_gate)
            {
                foreach (var pod in feed.Snapshot) index.Put(pod);
                index.Ready = true;
            }
            feed.ReleaseSnapshot();
            while (!stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(stop);
                lock (_gate) index.Apply(update);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning("Rollout guard: the pods of {Namespace} could not be followed: {Error}", ns, e.Message);
            lock (_gate) _pods.Remove(ns);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var feed in _feeds) await feed.DisposeAsync();
        Task[] loops;
        lock (_gate) loops = [.. _loops];
        try { await Task.WhenAll(loops); } catch (OperationCanceledException) { }
        _specChanged.Dispose();
    }
}
