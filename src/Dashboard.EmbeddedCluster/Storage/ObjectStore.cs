using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dashboard.EmbeddedCluster.Api;

namespace Dashboard.EmbeddedCluster.Storage;

/// <summary>
/// The embedded cluster's etcd and watch cache in one: every object of every resource, one global
/// monotonic resourceVersion, a bounded per-resource history to resume watches from, and the
/// fan-out to watchers. All writes are serialised by one lock so the resourceVersion order is the
/// commit order, which is what watchers (and the controllers) rely on.
/// </summary>
public sealed class ObjectStore : IDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<ResourceType, Dictionary<string, StoredObject>> _objects = [];
    readonly Dictionary<ResourceType, History> _history = [];
    readonly List<WatchSubscription> _watchers = [];
    readonly List<Action<StoreEvent>> _listeners = [];
    // Owner uid -> keys of dependents, per resource: controllers find what they own without a scan.
    readonly Dictionary<ResourceType, Dictionary<string, HashSet<string>>> _byOwner = [];
    readonly IStorePersistence? _persistence;
    readonly int _historyCapacity;
    long _resourceVersion;

    public ObjectStore(IStorePersistence? persistence = null, int historyCapacity = 20_000)
    {
        _persistence = persistence;
        _historyCapacity = historyCapacity;
        foreach (var type in ResourceTypes.All)
        {
            _objects[type] = new(StringComparer.Ordinal);
            _byOwner[type] = new(StringComparer.Ordinal);
        }
        if (persistence is not null)
        {
            foreach (var stored in persistence.Load())
            {
                _objects[stored.Type][stored.Key] = stored;
                Index(stored, null);
                _resourceVersion = Math.Max(_resourceVersion, stored.ResourceVersion);
            }
            _resourceVersion = Math.Max(_resourceVersion, persistence.LastResourceVersion);
        }
        foreach (var type in ResourceTypes.All) _history[type] = new History(_historyCapacity, _resourceVersion);
    }

    public long ResourceVersion { get { lock (_gate) return _resourceVersion; } }

    /// <summary>Called synchronously, in commit order, for every change. Handlers must not block.</summary>
    public void AddListener(Action<StoreEvent> listener)
    {
        lock (_gate) _listeners.Add(listener);
    }

    public StoredObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate) return _objects[type].GetValueOrDefault(StoredObject.StoreKey(ns, name));
    }

    public (IReadOnlyList<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            var items = _objects[type].Values
                .Where(o => ns is null || o.Namespace == ns)
                .OrderBy(o => o.Namespace, StringComparer.Ordinal)
                .ThenBy(o => o.Name, StringComparer.Ordinal)
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>
    /// The list as it was at <paramref name="resourceVersion"/> (as etcd reads at a revision), rebuilt from the
    /// current objects and the history after it; null once that history is gone (compacted).
    /// </summary>
    public IReadOnlyList<StoredObject>? ListAt(ResourceType type, string? ns, long resourceVersion)
    {
        lock (_gate)
        {
            var history = _history[type];
            if (resourceVersion < history.StartResourceVersion) return null;
            var state = _objects[type].Values.Where(o => ns is null || o.Namespace == ns).ToDictionary(o => o.Key, StringComparer.Ordinal);
            foreach (var change in history.After(resourceVersion).Reverse())
            {
                if (ns is not null && change.Object.Namespace != ns) continue;
                if (change.Type == StoreEventType.Added || change.Previous is null) state.Remove(change.Object.Key);
                else state[change.Object.Key] = change.Previous;
            }
            return [.. state.Values.OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)];
        }
    }

    public IReadOnlyList<StoredObject> Where(ResourceType type, string? ns, Func<StoredObject, bool> predicate)
    {
        lock (_gate) return _objects[type].Values.Where(o => (ns is null || o.Namespace == ns) && predicate(o)).ToList();
    }

    public StoredObject Create(ResourceType type, JsonObject obj)
    {
        lock (_gate)
        {
            var meta = (JsonObject)obj["metadata"]!;
            var key = StoredObject.StoreKey(meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>());
            if (_objects[type].ContainsKey(key)) throw ApiException.AlreadyExists(type, meta["name"]!.GetValue<string>());
            var stored = Commit(type, obj);
            _objects[type][key] = stored;
            Index(stored, null);
            Publish(new StoreEvent(StoreEventType.Added, stored, null));
            return stored;
        }
    }

    /// <summary>
    /// Replaces an object. <paramref name="expectedResourceVersion"/> is the optimistic-concurrency
    /// precondition: the write fails with 409 when someone else wrote in between.
    /// </summary>
    public StoredObject Update(ResourceType type, JsonObject obj, long? expectedResourceVersion)
    {
        lock (_gate)
        {
            var meta = (JsonObject)obj["metadata"]!;
            var name = meta["name"]!.GetValue<string>();
            var key = StoredObject.StoreKey(meta["namespace"]?.GetValue<string>(), name);
            if (!_objects[type].TryGetValue(key, out var current)) throw ApiException.NotFound(type, name);
            if (expectedResourceVersion is { } expected && expected != current.ResourceVersion) throw ApiException.Conflict(type, name);
            var stored = Commit(type, obj);
            _objects[type][key] = stored;
            Index(stored, current);
            Publish(new StoreEvent(StoreEventType.Modified, stored, current));
            return stored;
        }
    }

    public StoredObject? Delete(ResourceType type, string? ns, string name, long? expectedResourceVersion = null)
    {
        lock (_gate)
        {
            var key = StoredObject.StoreKey(ns, name);
            if (!_objects[type].TryGetValue(key, out var current)) return null;
            if (expectedResourceVersion is { } expected && expected != current.ResourceVersion) throw ApiException.Conflict(type, name);
            _objects[type].Remove(key);
            Index(null, current);
            // The DELETED event carries the resourceVersion of the deletion, as the apiserver's does.
            var tombstone = Commit(type, current.Clone(), persist: false);
            _persistence?.Deleted(type, ns, name, tombstone.ResourceVersion);
            Publish(new StoreEvent(StoreEventType.Deleted, tombstone, current));
            return tombstone;
        }
    }

    static IEnumerable<string> OwnerUids(StoredObject? stored) =>
        (stored?.Object["metadata"]?["ownerReferences"] as JsonArray)?.Select(r => r?["uid"]?.ToString()).OfType<string>() ?? [];

    void Index(StoredObject? now, StoredObject? before)
    {
        var type = (now ?? before)!.Type;
        var key = (now ?? before)!.Key;
        var index = _byOwner[type];
        foreach (var uid in OwnerUids(before))
            if (index.TryGetValue(uid, out var keys) && keys.Remove(key) && keys.Count == 0) index.Remove(uid);
        foreach (var uid in OwnerUids(now))
        {
            if (!index.TryGetValue(uid, out var keys)) index[uid] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(key);
        }
    }

    /// <summary>Objects of a resource that name <paramref name="ownerUid"/> in their ownerReferences.</summary>
    public IReadOnlyList<StoredObject> OwnedBy(ResourceType type, string ownerUid)
    {
        lock (_gate)
        {
            if (!_byOwner[type].TryGetValue(ownerUid, out var keys)) return [];
            return keys.Select(k => _objects[type].GetValueOrDefault(k)).OfType<StoredObject>().ToList();
        }
    }

    StoredObject Commit(ResourceType type, JsonObject obj, bool persist = true)
    {
        var rv = ++_resourceVersion;
        ((JsonObject)obj["metadata"]!)["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stored = new StoredObject(type, obj, rv);
        if (persist) _persistence?.Written(stored);
        return stored;
    }

    void Publish(StoreEvent change)
    {
        _history[change.Object.Type].Add(change);
        foreach (var listener in _listeners) listener(change);
        for (var i = _watchers.Count - 1; i >= 0; i--)
        {
            var watcher = _watchers[i];
            if (watcher.Type != change.Object.Type) continue;
            if (watcher.Namespace is not null && watcher.Namespace != change.Object.Namespace) continue;
            if (!watcher.Offer(change)) _watchers.RemoveAt(i);
        }
    }

    /// <summary>
    /// Opens a watch. From resourceVersion 0 (or none) it starts with a synthetic ADDED per object;
    /// from N it replays what happened after N, or fails with 410 Expired when N is older than the
    /// history kept, exactly the contract client-go reflectors recover from by relisting.
    /// </summary>
    public WatchSubscription Watch(ResourceType type, string? ns, long? fromResourceVersion, int capacity = 10_000)
    {
        lock (_gate)
        {
            var subscription = new WatchSubscription(this, type, ns, capacity);
            if (fromResourceVersion is null or 0)
            {
                foreach (var obj in _objects[type].Values.Where(o => ns is null || o.Namespace == ns).OrderBy(o => o.ResourceVersion))
                    subscription.Offer(new StoreEvent(StoreEventType.Added, obj, null));
            }
            else
            {
                var history = _history[type];
                if (fromResourceVersion.Value < history.StartResourceVersion)
                    throw ApiException.Gone($"too old resource version: {fromResourceVersion.Value} ({history.StartResourceVersion})");
                foreach (var change in history.After(fromResourceVersion.Value))
                    if (ns is null || change.Object.Namespace == ns) subscription.Offer(change);
            }
            _watchers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Makes every resourceVersion so far too old to resume from (fault injection: 410s).</summary>
    public void ExpireHistory()
    {
        lock (_gate)
        {
            foreach (var type in ResourceTypes.All) _history[type] = new History(_historyCapacity, _resourceVersion);
        }
    }

    /// <summary>Ends every open watch, as a restarted or overloaded apiserver does.</summary>
    public void CloseAllWatches()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers) watcher.Complete();
            _watchers.Clear();
        }
    }

    internal void Remove(WatchSubscription subscription)
    {
        lock (_gate) _watchers.Remove(subscription);
    }

    public void Dispose() => _persistence?.Dispose();

    sealed class History(int capacity, long start)
    {
        readonly Queue<StoreEvent> _events = new();

        /// <summary>The oldest resourceVersion a watch can still resume from.</summary>
        public long StartResourceVersion { get; private set; } = start;

        public void Add(StoreEvent change)
        {
            _events.Enqueue(change);
            if (_events.Count > capacity) StartResourceVersion = _events.Dequeue().ResourceVersion;
        }

        public IEnumerable<StoreEvent> After(long resourceVersion) => _events.Where(e => e.ResourceVersion > resourceVersion);
    }
}

/// <summary>
/// One watcher's queue. A watcher that falls more than its capacity behind is ended rather than
/// allowed to grow memory without bound; its client resumes from the last resourceVersion it saw.
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    readonly ObjectStore _store;
    readonly Channel<StoreEvent> _channel;

    internal WatchSubscription(ObjectStore store, ResourceType type, string? ns, int capacity)
    {
        _store = store;
        Type = type;
        Namespace = ns;
        _channel = Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false });
    }

    public ResourceType Type { get; }
    public string? Namespace { get; }
    public ChannelReader<StoreEvent> Events => _channel.Reader;

    internal bool Offer(StoreEvent change)
    {
        if (_channel.Writer.TryWrite(change)) return true;
        _channel.Writer.TryComplete();
        return false;
    }

    internal void Complete() => _channel.Writer.TryComplete();

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _store.Remove(this);
    }
}
