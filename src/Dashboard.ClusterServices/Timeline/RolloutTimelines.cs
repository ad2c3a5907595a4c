using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;

namespace Dashboard.ClusterServices.Timeline;

/// <summary>One second of a rollout: ready pods of the new and the old ReplicaSets, unavailable pods, serving endpoints.</summary>
public sealed record TimelineSample(DateTimeOffset At, int NewReady, int OldReady, int Unavailable, int Serving, int Desired);

/// <summary>One rollout of a Deployment, from the moment it started progressing until a little after it completed.</summary>
public sealed record RolloutTimeline(string Namespace, string Deployment, string Revision, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt, RolloutPhase Phase, IReadOnlyList<TimelineSample> Samples)
{
    public bool InProgress => CompletedAt is null;
}

/// <summary>
/// Records every rollout while the dashboard runs: once a second, for each Deployment whose rollout is
/// under way (and for a short tail after it completes, when old pods are still terminating), a sample
/// of new and old ready pods, unavailable pods and serving endpoints. Keeps the last few rollouts per
/// Deployment. Reads only the shared caches (one watch each for deployments, replicasets and
/// endpoints, whatever the number of viewers, and the pods of a namespace while a rollout in it is
/// recorded, to tell which serving endpoints are the Deployment's own); sampling a local cache costs
/// the API server nothing.
/// </summary>
public sealed class RolloutTimelines(ClusterCache cache, TimeProvider clock, TimeSpan? interval = null) : IAsyncDisposable
{
    public const int RolloutsKept = 5;
    const int SamplesKept = 1800;
    static readonly TimeSpan Tail = TimeSpan.FromSeconds(15);

    readonly Lock _gate = new();
    readonly Dictionary<string, DeploymentView> _deployments = new(StringComparer.Ordinal);
    readonly Dictionary<string, ReplicaSetView> _replicaSets = new(StringComparer.Ordinal);
    readonly Dictionary<string, EndpointsView> _endpoints = new(StringComparer.Ordinal);
    /// <summary>Namespaces whose pods are followed (ready once their snapshot is in), and when a rollout was last under way there.</summary>
    readonly Dictionary<string, PodsOfNamespace> _podFeeds = new(StringComparer.Ordinal);
    static readonly TimeSpan PodsKeptAfterRollouts = TimeSpan.FromMinutes(1);

    sealed class PodsOfNamespace(DateTimeOffset now)
    {
        public bool Ready;
        public DateTimeOffset LastNeeded = now;
        public Subscription<PodView>? Feed;
        public readonly CancellationTokenSource Stop = new();
    }
    readonly Dictionary<string, List<Recording>> _rollouts = new(StringComparer.Ordinal);
    readonly CancellationTokenSource _stop = new();
    readonly List<IAsyncDisposable> _feeds = [];
    readonly List<Task> _loops = [];

    sealed class Recording(string ns, string name, string revision, DateTimeOffset started)
    {
        string _revision = revision;
        public readonly List<TimelineSample> Samples = [];
        public DateTimeOffset? CompletedAt;
        public RolloutPhase Phase = RolloutPhase.Progressing;
        public RolloutTimeline Snapshot() => new(ns, name, _revision, started, CompletedAt, Phase, [.. Samples]);
        public string Revision
        {
            get => _revision;
            set => _revision = value;
        }
    }

    /// <summary>Raised (on the sampling thread) after a second in which any rollout was recorded.</summary>
    public event Action? Changed;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var deployments = await cache.SubscribeDeploymentsAsync(null, cancellationToken);
        var replicaSets = await cache.SubscribeReplicaSetsAsync(null, cancellationToken);
        var endpoints = await cache.SubscribeEndpointsAsync(null, cancellationToken);
        _feeds.AddRange([deployments, replicaSets, endpoints]);
        _loops.Add(FollowAsync(deployments, _deployments, static d => $"{d.Namespace}/{d.Name}"));
        _loops.Add(FollowAsync(replicaSets, _replicaSets, static rs => $"{rs.Namespace}/{rs.Name}"));
        _loops.Add(FollowAsync(endpoints, _endpoints, static e => $"{e.Namespace}/{e.Name}"));
        _loops.Add(SampleAsync());
    }

    /// <summary>The recorded rollouts of a Deployment, newest first.</summary>
    public IReadOnlyList<RolloutTimeline> For(string ns, string name)
    {
        lock (_gate)
            return _rollouts.TryGetValue($"{ns}/{name}", out var list) ? list.Select(r => r.Snapshot()).Reverse().ToList() : [];
    }

    async Task FollowAsync<T>(Subscription<T> feed, Dictionary<string, T> state, Func<T, string> key)
    {
        lock (_gate)
            foreach (var item in feed.Snapshot) state[key(item)] = item;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(_stop.Token);
                lock (_gate) update.ApplyTo(state, key);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Opens the pods of namespaces with a rollout under way, and closes those idle for a while; called outside the lock.</summary>
    void FollowPodsOf(IReadOnlyList<string> open, IReadOnlyList<PodsOfNamespace> close)
    {
        foreach (var ns in open)
        {
            PodsOfNamespace entry;
            lock (_gate) entry = _podFeeds[ns];
            var loop = Task.Run(async () =>
            {
                try
                {
                    var feed = await cache.SubscribePodsAsync(ns, _stop.Token);
                    // Pods are looked up in the shared cache, not copied: the subscription only keeps it running.
                    feed.ReleaseSnapshot();
                    lock (_gate)
                    {
                        entry.Feed = feed;
                        entry.Ready = true;
                    }
                    using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, entry.Stop.Token);
                    while (!both.IsCancellationRequested) await feed.ReadAsync(both.Token);
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception)
                {
                    // An unreachable cluster: the next sample asks again.
                    lock (_gate) _podFeeds.Remove(ns);
                }
            });
            lock (_gate) _loops.Add(loop);
        }
        foreach (var entry in close)
        {
            entry.Stop.Cancel();
            if (entry.Feed is { } feed) _ = feed.DisposeAsync().AsTask();
        }
    }

    async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(interval ?? TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                if (SampleOnce()) Changed?.Invoke();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Takes one sample of every rollout under way; true when anything was recorded.</summary>
    public bool SampleOnce()
    {
        var now = clock.GetUtcNow();
        var recorded = false;
        var open = new List<string>();
        var close = new List<PodsOfNamespace>();
        lock (_gate)
        {
            var setsByOwner = _replicaSets.Values.Where(rs => rs.OwnerUid is not null).ToLookup(rs => rs.OwnerUid!);
            var servingByNamespace = _endpoints.Values.GroupBy(e => e.Namespace).ToDictionary(g => g.Key, g => g.SelectMany(e => e.ReadyPods).ToList());
            foreach (var (key, d) in _deployments)
            {
                var phase = RolloutStatus.Evaluate(d, []).Phase;
                var underWay = phase is RolloutPhase.Progressing or RolloutPhase.Stuck or RolloutPhase.Failed;
                _rollouts.TryGetValue(key, out var list);
                var current = list?.LastOrDefault();
                var revision = d.Revision ?? "";
                // Until the controller observes a new template the Deployment still carries the old revision:
                // a rollout that has barely started takes the revision it turns out to have.
                if (underWay && current is { CompletedAt: null } && current.Revision != revision && current.Samples.Count <= 2)
                {
                    current.Revision = revision;
                    // Those first samples counted the previous revision's pods as new: they were the old ones.
                    for (var i = 0; i < current.Samples.Count; i++)
                        current.Samples[i] = current.Samples[i] with { NewReady = current.Samples[i].OldReady, OldReady = current.Samples[i].NewReady };
                }
                if (underWay && (current is null || current.Revision != revision || current.CompletedAt is not null && now - current.CompletedAt > Tail))
                {
                    list ??= _rollouts[key] = [];
                    list.Add(current = new Recording(d.Namespace, d.Name, revision, now));
                    if (list.Count > RolloutsKept) list.RemoveAt(0);
                }
                if (current is null) continue;
                if (!_podFeeds.TryGetValue(d.Namespace, out var podsOfNamespace))
                {
                    _podFeeds[d.Namespace] = podsOfNamespace = new PodsOfNamespace(now);
                    open.Add(d.Namespace);
                }
                podsOfNamespace.LastNeeded = now;
                // Until the namespace's pods are in, which endpoints are this Deployment's is unknown: no sample rather than a wrong one.
                if (!podsOfNamespace.Ready) continue;
                if (underWay) current.CompletedAt = null;
                else if (current.CompletedAt is null) current.CompletedAt = now;
                if (current.CompletedAt is { } done && now - done > Tail) continue;
                current.Phase = underWay ? phase : RolloutPhase.Complete;

                var sets = setsByOwner[d.Uid].ToList();
                var newReady = sets.Where(rs => rs.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) == revision).Sum(rs => rs.ReadyReplicas);
                var oldReady = sets.Where(rs => rs.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) != revision).Sum(rs => rs.ReadyReplicas);
                var serving = servingByNamespace.GetValueOrDefault(d.Namespace)?.Count(pod =>
                    podsOfNamespace.Feed?.Find($"{d.Namespace}/{pod}") is { } p && sets.Any(rs => Membership.IsPodOf(p, rs))) ?? 0;
                current.Samples.Add(new TimelineSample(now, newReady, oldReady, Math.Max(0, d.Replicas - d.AvailableReplicas), serving, d.Replicas));
                if (current.Samples.Count > SamplesKept) current.Samples.RemoveAt(0);
                recorded = true;
            }
            foreach (var (ns, entry) in _podFeeds.Where(e => now - e.Value.LastNeeded > PodsKeptAfterRollouts).ToList())
            {
                _podFeeds.Remove(ns);
                close.Add(entry);
            }
        }
        FollowPodsOf(open, close);
        return recorded;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var feed in _feeds) await feed.DisposeAsync();
        List<PodsOfNamespace> podFeeds;
        lock (_gate) podFeeds = [.. _podFeeds.Values];
        foreach (var entry in podFeeds)
            if (entry.Feed is { } feed) await feed.DisposeAsync();
        Task[] loops;
        lock (_gate) loops = [.. _loops];
        await Task.WhenAll(loops);
    }
}
