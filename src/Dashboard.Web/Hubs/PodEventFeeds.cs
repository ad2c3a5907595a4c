using System.Text.Json;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Hubs;

/// <summary>Hub streams of one namespace, for <c>/stats</c>.</summary>
public sealed record PodFeedStats(string Namespace, int Pods, int Streams, int MostUnread);

/// <summary>
/// The hub's side of the shared caches: one <see cref="PodEventFeed"/> per namespace with open
/// streams, started by the first and stopped with the last. Each turns the namespace's pod and
/// ReplicaSet changes into hub events once, whatever the number of streams.
/// </summary>
public sealed class PodEventFeeds(Dashboard.ClusterServices.ClusterScope cluster, ReflectorOptions reflector, IOptions<JsonHubProtocolOptions> protocol, ILogger<PodEventFeeds> logger) : IAsyncDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<string, PodEventFeed> _feeds = new(StringComparer.Ordinal);

    /// <summary>Joins the namespace's feed: its pods now, then every change. Dispose to leave.</summary>
    public async Task<PodEventReader> OpenAsync(string ns, CancellationToken cancellationToken)
    {
        PodEventFeed feed;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(ns, out feed!))
                _feeds[ns] = feed = new PodEventFeed(ns, cluster.Cache, protocol.Value.PayloadSerializerOptions, reflector.MaxPendingPerReader, logger);
            feed.Users++;
        }
        try
        {
            await feed.Started.WaitAsync(cancellationToken);
            return feed.Join(reader => Leave(feed, reader));
        }
        catch
        {
            Leave(feed, null);
            throw;
        }
    }

    void Leave(PodEventFeed feed, PodEventReader? reader)
    {
        if (reader is not null) feed.Remove(reader);
        lock (_gate)
        {
            if (--feed.Users > 0) return;
            _feeds.Remove(feed.Namespace);
        }
        _ = feed.DisposeAsync().AsTask();
    }

    public IReadOnlyList<PodFeedStats> Stats()
    {
        lock (_gate) return _feeds.Values.Select(f => f.Stats()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        List<PodEventFeed> feeds;
        lock (_gate)
        {
            feeds = [.. _feeds.Values];
            _feeds.Clear();
        }
        foreach (var feed in feeds) await feed.DisposeAsync();
    }
}

/// <summary>
/// One namespace's pods as hub events, kept once for every stream: the pods as last sent (each
/// serialised once), the ReplicaSets' revisions, and the readers to hand each event to.
/// </summary>
sealed class PodEventFeed : IAsyncDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<string, (PodView View, PodStreamEvent Event)> _pods = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> _revisions = new(StringComparer.Ordinal);
    readonly List<PodEventReader> _readers = [];
    readonly JsonSerializerOptions _json;
    readonly int _maxPending;
    readonly CancellationTokenSource _stop = new();
    readonly Task _run;
    readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PodEventFeed(string ns, ClusterCache cache, JsonSerializerOptions json, int maxPending, ILogger logger)
    {
        Namespace = ns;
        _json = json;
        _maxPending = maxPending;
        _run = Task.Run(() => RunAsync(cache, logger));
    }

    public string Namespace { get; }
    /// <summary>Streams joined or joining; guarded by the registry's lock.</summary>
    public int Users;
    public Task Started => _started.Task;

    public PodEventReader Join(Action<PodEventReader> onDispose)
    {
        lock (_gate)
        {
            var snapshot = _pods.Values.OrderBy(p => p.View.Name, StringComparer.Ordinal).Select(p => p.Event.As(PodStreamEvent.Added)).ToList();
            var reader = new PodEventReader(snapshot, _maxPending, onDispose);
            _readers.Add(reader);
            return reader;
        }
    }

    public void Remove(PodEventReader reader)
    {
        lock (_gate) _readers.Remove(reader);
    }

    public PodFeedStats Stats()
    {
        lock (_gate) return new(Namespace, _pods.Count, _readers.Count, _readers.Count == 0 ? 0 : _readers.Max(r => r.PendingCount));
    }

    async Task RunAsync(ClusterCache cache, ILogger logger)
    {
        var stop = _stop.Token;
        try
        {
            await using var pods = await cache.SubscribePodsAsync(Namespace, stop);
            await using var sets = await cache.SubscribeReplicaSetsAsync(Namespace, stop);
            lock (_gate)
            {
                foreach (var rs in sets.Snapshot) _revisions[rs.Name] = rs.Revision;
                foreach (var pod in pods.Snapshot) _pods[pod.Name] = (pod, Event(PodStreamEvent.Added, pod));
            }
            pods.ReleaseSnapshot();
            sets.ReleaseSnapshot();
            _started.TrySetResult();

            var podUpdates = pods.ReadAsync(stop).AsTask();
            var setUpdates = sets.ReadAsync(stop).AsTask();
            while (true)
            {
                var done = await Task.WhenAny(podUpdates, setUpdates);
                if (done == setUpdates)
                {
                    ApplyReplicaSets(await setUpdates);
                    setUpdates = sets.ReadAsync(stop).AsTask();
                }
                else
                {
                    ApplyPods(await podUpdates);
                    podUpdates = pods.ReadAsync(stop).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            _started.TrySetCanceled(stop);
        }
        catch (Exception e)
        {
            logger.LogError(e, "The pod stream feed of namespace {Namespace} stopped", Namespace);
            _started.TrySetException(e);
            PodEventReader[] readers;
            lock (_gate) readers = [.. _readers];
            foreach (var reader in readers) reader.End($"The pod feed of namespace {Namespace} stopped ({e.Message}); start the stream again.");
        }
    }

    /// <summary>Changes (or a relist) as the events that take every reader to the cache's state.</summary>
    void ApplyPods(CacheUpdate<PodView> update)
    {
        var outgoing = new List<PodStreamEvent>(update.Changes.Count);
        PodEventReader[] readers;
        lock (_gate)
        {
            if (update.Reset is { } all)
            {
                var now = all.ToDictionary(p => p.Name, StringComparer.Ordinal);
                foreach (var gone in _pods.Keys.Where(k => !now.ContainsKey(k)).ToList())
                    Delete(_pods[gone].View, outgoing);
                foreach (var pod in all) Upsert(pod, outgoing);
            }
            foreach (var change in update.Changes)
                if (change.Kind == ChangeKind.Delete) Delete(change.View, outgoing);
                else Upsert(change.View, outgoing);
            readers = Readers(outgoing);
        }
        Publish(outgoing, readers);
    }

    void Upsert(PodView pod, List<PodStreamEvent> outgoing)
    {
        var known = _pods.TryGetValue(pod.Name, out var before);
        if (known && before.View.ResourceVersion == pod.ResourceVersion) return;
        Send(pod, known ? PodStreamEvent.Modified : PodStreamEvent.Added, outgoing);
    }

    void Delete(PodView pod, List<PodStreamEvent> outgoing)
    {
        if (!_pods.Remove(pod.Name)) return;
        outgoing.Add(Event(PodStreamEvent.Deleted, pod));
    }

    void Send(PodView pod, string type, List<PodStreamEvent> outgoing)
    {
        var e = Event(type, pod);
        _pods[pod.Name] = (pod, e);
        outgoing.Add(e);
    }

    // The readers an update goes to, taken with the update under the lock: a stream that joins after it
    // has the update in its snapshot, one that joined before gets it as events.
    PodEventReader[] Readers(List<PodStreamEvent> outgoing) => outgoing.Count == 0 ? [] : [.. _readers];

    // One hand-over per reader for all of an update's events: a burst wakes each stream once, not once per pod.
    // Outside the lock: a woken stream writes to its connection on this thread before Offer returns.
    static void Publish(List<PodStreamEvent> outgoing, PodEventReader[] readers)
    {
        foreach (var reader in readers) reader.Offer(outgoing);
    }

    /// <summary>A ReplicaSet's revision shows on its pods: when it changes (a new ReplicaSet, a rollback renumbering one), they are sent again.</summary>
    void ApplyReplicaSets(CacheUpdate<ReplicaSetView> update)
    {
        var outgoing = new List<PodStreamEvent>();
        PodEventReader[] readers;
        lock (_gate)
        {
            var changed = new HashSet<string>(StringComparer.Ordinal);
            if (update.Reset is { } all)
            {
                var now = all.ToDictionary(rs => rs.Name, rs => rs.Revision, StringComparer.Ordinal);
                foreach (var (name, revision) in _revisions)
                    if (!now.TryGetValue(name, out var after) || after != revision) changed.Add(name);
                foreach (var (name, revision) in now)
                    if (!_revisions.ContainsKey(name)) changed.Add(name);
                _revisions.Clear();
                foreach (var (name, revision) in now) _revisions[name] = revision;
            }
            foreach (var c in update.Changes)
            {
                var had = _revisions.TryGetValue(c.View.Name, out var old);
                if (c.Kind == ChangeKind.Delete) _revisions.Remove(c.View.Name);
                else _revisions[c.View.Name] = c.View.Revision;
                if (c.Kind == ChangeKind.Delete ? had : !had || old != c.View.Revision) changed.Add(c.View.Name);
            }
            if (changed.Count > 0)
                foreach (var (pod, _) in _pods.Values.Where(p => p.View.ReplicaSet is { } rs && changed.Contains(rs)).ToList())
                    Send(pod, PodStreamEvent.Modified, outgoing);
            readers = Readers(outgoing);
        }
        Publish(outgoing, readers);
    }

    PodStreamEvent Event(string type, PodView p) => PodStreamEvent.Create(type, new PodEventPod(
            p.Name, p.Namespace, p.Status, p.Ready, p.Restarts,
            p.ReplicaSet is { } rs && _revisions.TryGetValue(rs, out var revision) && revision > 0 ? revision : null,
            p.ReplicaSet, p.Node, p.Images, p.CreatedAt, p.DeletionTimestamp),
        p.ResourceVersion, _json);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _run; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
