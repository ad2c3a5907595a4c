using Dashboard.ClusterServices.Model;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// The process-wide registry of shared caches: one reflector per (resource, namespace scope), started
/// by its first reader and stopped a while after its last one leaves. Any number of browser circuits,
/// hub streams and wall screens cost the API server one watch per resource and scope.
/// </summary>
public sealed class ClusterCache(IKubernetesClientProvider clients, ReflectorOptions options, ILoggerFactory loggerFactory, TimeProvider? clock = null) : IAsyncDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<(string Resource, string? Namespace), Entry> _entries = [];
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    sealed class Entry(ICacheHealthSource cache)
    {
        public ICacheHealthSource Cache { get; } = cache;
        public int Readers;
        public ITimer? Linger;
    }

    public Task<Subscription<PodView>> SubscribePodsAsync(string? ns, CancellationToken cancellationToken = default) =>
        SubscribeAsync(Sources.Pods(clients, _clock), ns, cancellationToken);

    public Task<Subscription<DeploymentView>> SubscribeDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) =>
        SubscribeAsync(Sources.Deployments(clients), ns, cancellationToken);

    public Task<Subscription<ReplicaSetView>> SubscribeReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default) =>
        SubscribeAsync(Sources.ReplicaSets(clients), ns, cancellationToken);

    public Task<Subscription<EndpointsView>> SubscribeEndpointsAsync(string? ns, CancellationToken cancellationToken = default) =>
        SubscribeAsync(Sources.Endpoints(clients), ns, cancellationToken);

    public Task<Subscription<EventView>> SubscribeEventsAsync(string? ns, CancellationToken cancellationToken = default) =>
        SubscribeAsync(Sources.Events(clients), ns, cancellationToken);

    /// <summary>Raised (on a cache's thread) when any running cache's connection state changes.</summary>
    public event Action? HealthChanged;

    /// <summary>The worst connection state among the running caches; live when none runs.</summary>
    public ClusterHealth Health()
    {
        List<CacheHealth> all;
        List<string> notLive = [];
        lock (_gate)
        {
            all = [];
            foreach (var ((resource, ns), entry) in _entries)
            {
                var h = entry.Cache.Health;
                all.Add(h);
                if (h.Connection != CacheConnection.Live) notLive.Add(ns is null ? resource : $"{resource} in {ns}");
            }
        }
        if (all.Count == 0) return ClusterHealth.Idle;
        var worst = all.Any(h => h.Connection == CacheConnection.Reconnecting) ? CacheConnection.Reconnecting
            : all.Any(h => h.Connection == CacheConnection.Connecting) ? CacheConnection.Connecting
            : CacheConnection.Live;
        return new ClusterHealth(worst, all.Max(h => h.LastEventAt), all.Select(h => h.LastError).FirstOrDefault(e => e is not null), notLive);
    }

    void OnCacheHealthChanged(CacheHealth _) => HealthChanged?.Invoke();

    /// <summary>The cache behind a resource and scope, if one runs (health, counts).</summary>
    public SharedCache<TObject, TView>? Find<TObject, TView>(string resource, string? ns) where TObject : IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate) return _entries.GetValueOrDefault((resource, ns))?.Cache as SharedCache<TObject, TView>;
    }

    /// <summary>Each running cache: what it holds, how many readers share its one watch, and the longest unread queue among them.</summary>
    public IReadOnlyList<CacheStats> Stats()
    {
        lock (_gate) return _entries.Select(e => new CacheStats(e.Key.Resource, e.Key.Namespace, e.Value.Cache.Count, e.Value.Cache.ReaderCount, e.Value.Cache.MostUnread)).ToList();
    }

    public IReadOnlyList<(string Resource, string? Namespace, int Readers)> Running()
    {
        lock (_gate) return _entries.Select(e => (e.Key.Resource, e.Key.Namespace, e.Value.Readers)).ToList();
    }

    /// <summary>
    /// Subscribes to a resource in a namespace (null: all namespaces). Waits for the first list, so the
    /// snapshot is the cluster's state, not an empty cache. The caller owns the subscription.
    /// </summary>
    public async Task<Subscription<TView>> SubscribeAsync<TObject, TView>(ResourceSource<TObject, TView> source, string? ns, CancellationToken cancellationToken = default)
        where TObject : IKubernetesObject<V1ObjectMeta>
    {
        SharedCache<TObject, TView> cache;
        Entry entry;
        lock (_gate)
        {
            var key = (source.Resource, ns);
            if (!_entries.TryGetValue(key, out entry!))
            {
                cache = new SharedCache<TObject, TView>(source, ns, options, loggerFactory.CreateLogger($"Dashboard.ClusterServices.Reflector.{source.Resource}"), _clock);
                entry = new Entry(cache);
                _entries[key] = entry;
                cache.HealthChanged += OnCacheHealthChanged;
                cache.Start();
            }
            else cache = (SharedCache<TObject, TView>)entry.Cache;
            entry.Readers++;
            entry.Linger?.Dispose();
            entry.Linger = null;
        }
        try
        {
            await cache.Synced.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(source.Resource, ns, entry);
            throw;
        }
        return cache.Subscribe(sub =>
        {
            cache.Unsubscribe(sub);
            Release(source.Resource, ns, entry);
            return ValueTask.CompletedTask;
        });
    }

    void Release(string resource, string? ns, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Readers > 0) return;
            entry.Linger = _clock.CreateTimer(_ => _ = StopIfIdleAsync(resource, ns, entry), null, options.Linger, Timeout.InfiniteTimeSpan);
        }
    }

    async Task StopIfIdleAsync(string resource, string? ns, Entry entry)
    {
        lock (_gate)
        {
            if (entry.Readers > 0 || !_entries.TryGetValue((resource, ns), out var current) || current != entry) return;
            _entries.Remove((resource, ns));
            entry.Linger?.Dispose();
        }
        entry.Cache.HealthChanged -= OnCacheHealthChanged;
        await ((IAsyncDisposable)entry.Cache).DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _entries.Values];
            _entries.Clear();
        }
        foreach (var e in entries)
        {
            e.Linger?.Dispose();
            e.Cache.HealthChanged -= OnCacheHealthChanged;
            await ((IAsyncDisposable)e.Cache).DisposeAsync();
        }
    }
}
