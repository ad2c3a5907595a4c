using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Dashboard.ClusterServices.Caching;

/// <summary>How a reflector lists and watches one resource, and how an object becomes a view.</summary>
public sealed record ResourceSource<TObject, TView>(
    string Resource,
    Func<string?, string?, CancellationToken, Task<(IList<TObject> Items, string ResourceVersion, string? Continue)>> ListPage,
    Func<string?, string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, TObject Object)>> Watch,
    Func<TObject, TView> Map)
    where TObject : IKubernetesObject<V1ObjectMeta>;

public sealed class ReflectorOptions
{
    /// <summary>A watch that has said nothing (not even a bookmark) for this long is restarted.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(90);
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>How long a cache outlives its last reader, so a page reload does not relist.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Distinct unread objects a reader may have queued before it is resynced instead.</summary>
    public int MaxPendingPerReader { get; set; } = 10_000;
}

/// <summary>
/// One resource in one namespace scope (or all), kept in memory by one reflector: a paged list, then
/// a watch from the list's resourceVersion with bookmarks. A watch that ends is resumed from the last
/// resourceVersion; a 410 Expired relists and emits deletions for whatever vanished; a silent watch
/// is restarted by an idle watchdog; failures are retried through Polly with backoff and jitter. Any number of readers share it.
/// </summary>
public sealed class SharedCache<TObject, TView> : ICacheHealthSource, IAsyncDisposable
    where TObject : IKubernetesObject<V1ObjectMeta>
{
    readonly ResourceSource<TObject, TView> _source;
    readonly string? _namespace;
    readonly ReflectorOptions _options;
    readonly ILogger _logger;
    readonly TimeProvider _clock;
    readonly Lock _gate = new();
    readonly Dictionary<string, (string ResourceVersion, TView View)> _items = new(StringComparer.Ordinal);
    readonly List<Subscription<TView>> _readers = [];
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task? _loop;
    CacheHealth _health = new(CacheConnection.Connecting, null, null, null);
    long _eventsApplied;

    public SharedCache(ResourceSource<TObject, TView> source, string? ns, ReflectorOptions options, ILogger logger, TimeProvider? clock = null)
    {
        _source = source;
        _namespace = ns;
        _options = options;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
    }

    public string Resource => _source.Resource;
    public string? Namespace => _namespace;
    public CacheHealth Health { get { lock (_gate) return _health; } }
    public long EventsApplied => Interlocked.Read(ref _eventsApplied);
    public int ReaderCount { get { lock (_gate) return _readers.Count; } }
    public int Count { get { lock (_gate) return _items.Count; } }
    public int MostUnread { get { lock (_gate) return _readers.Count == 0 ? 0 : _readers.Max(r => r.PendingCount); } }

    /// <summary>Completes once the first list has been applied.</summary>
    public Task Synced => _synced.Task;

    public event Action<CacheHealth>? HealthChanged;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    TView? Find(string key)
    {
        lock (_gate) return _items.TryGetValue(key, out var item) ? item.View : default;
    }

    public IReadOnlyList<TView> Snapshot()
    {
        lock (_gate) return _items.Values.Select(v => v.View).ToList();
    }

    internal Subscription<TView> Subscribe(Func<Subscription<TView>, ValueTask> onDispose)
    {
        lock (_gate)
        {
            var subscription = new Subscription<TView>(_items.Values.Select(v => v.View).ToList(), Snapshot, _options.MaxPendingPerReader, onDispose, Find);
            _readers.Add(subscription);
            return subscription;
        }
    }

    internal int Unsubscribe(Subscription<TView> subscription)
    {
        lock (_gate)
        {
            _readers.Remove(subscription);
            return _readers.Count;
        }
    }

    static string KeyOf(TObject obj) => $"{obj.Metadata.NamespaceProperty}/{obj.Metadata.Name}";

    void SetHealth(CacheConnection connection, string? error = null)
    {
        CacheHealth health;
        lock (_gate)
        {
            if (_health.Connection == connection && error is null) return;
            _health = _health with { Connection = connection, LastError = error ?? (connection == CacheConnection.Live ? null : _health.LastError) };
            health = _health;
        }
        HealthChanged?.Invoke(health);
    }

    void Apply(WatchEventType type, TObject obj)
    {
        var key = KeyOf(obj);
        var rv = obj.Metadata.ResourceVersion ?? "";
        Change<TView>? change = null;
        lock (_gate)
        {
            _health = _health with { LastEventAt = _clock.GetUtcNow(), ResourceVersion = rv };
            if (type == WatchEventType.Deleted)
            {
                if (_items.Remove(key, out var gone)) change = new Change<TView>(ChangeKind.Delete, key, _source.Map(obj));
            }
            else
            {
                // resourceVersions are opaque: equality is all a client may compare.
                if (!_items.TryGetValue(key, out var existing) || existing.ResourceVersion != rv)
                {
                    var view = _source.Map(obj);
                    _items[key] = (rv, view);
                    change = new Change<TView>(ChangeKind.Upsert, key, view);
                }
            }
            if (change is not null) foreach (var reader in _readers) reader.Offer(change);
        }
        Interlocked.Increment(ref _eventsApplied);
    }

    /// <summary>Replaces the contents with a fresh list; what is gone is reported deleted, so no reader keeps a ghost.</summary>
    void Replace(IList<TObject> items, string resourceVersion)
    {
        lock (_gate)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in items)
            {
                var key = KeyOf(obj);
                seen.Add(key);
                var rv = obj.Metadata.ResourceVersion ?? "";
                if (_items.TryGetValue(key, out var existing) && existing.ResourceVersion == rv) continue;
                var view = _source.Map(obj);
                _items[key] = (rv, view);
                foreach (var reader in _readers) reader.Offer(new Change<TView>(ChangeKind.Upsert, key, view));
            }
            foreach (var key in _items.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                var view = _items[key].View;
                _items.Remove(key);
                foreach (var reader in _readers) reader.Offer(new Change<TView>(ChangeKind.Delete, key, view));
            }
            _health = _health with { LastEventAt = _clock.GetUtcNow(), ResourceVersion = resourceVersion };
        }
    }

    async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<TObject>();
        string? token = null;
        string resourceVersion;
        do
        {
            var (items, rv, next) = await _source.ListPage(_namespace, token, cancellationToken);
            all.AddRange(items);
            resourceVersion = rv;
            token = string.IsNullOrEmpty(next) ? null : next;
        }
        while (token is not null);
        Replace(all, resourceVersion);
        _synced.TrySetResult();
        return resourceVersion;
    }

    /// <summary>
    /// The reflector's pacing, Polly's: a failed round (list or watch) is retried for as long as the cache
    /// lives, with exponential backoff and jitter between <see cref="ReflectorOptions.MinBackoff"/> and
    /// <see cref="ReflectorOptions.MaxBackoff"/> (so many dashboards reconnecting after an apiserver restart
    /// do not arrive together), and never sooner than an overloaded API server's Retry-After.
    /// </summary>
    ResiliencePipeline Retry() => new ResiliencePipelineBuilder { TimeProvider = _clock }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || !_stop.IsCancellationRequested),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.MinBackoff,
            MaxDelay = _options.MaxBackoff,
            DelayGenerator = args => ValueTask.FromResult(Resilience.KubernetesResilience.RetryAfter(args.Outcome.Exception)),
            OnRetry = args =>
            {
                var e = args.Outcome.Exception!;
                if (e is WatchExpiredAgain)
                    _logger.LogInformation("Watch of {Resource} in {Namespace} expired again right after a relist; relisting in {Delay} ms", Resource, _namespace ?? "all namespaces", (int)args.RetryDelay.TotalMilliseconds);
                else
                {
                    SetHealth(CacheConnection.Reconnecting, e.Message);
                    _logger.LogWarning("Reflector for {Resource} in {Namespace} failed ({Error}); retrying in {Delay} ms", Resource, _namespace ?? "all namespaces", e.Message, (int)args.RetryDelay.TotalMilliseconds);
                }
                return default;
            },
        })
        .Build();

    /// <summary>A relist whose watch expired before it delivered anything: paced like a failure, not repeated at once.</summary>
    sealed class WatchExpiredAgain() : Exception("the watch expired again right after a relist");

    async Task RunAsync(CancellationToken stop)
    {
        var retry = Retry();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // One execution per healthy stretch: a round that delivered events returns, so the backoff starts over.
                await retry.ExecuteAsync(async ct => await RoundAsync(ct), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }
        SetHealth(CacheConnection.Stopped);
    }

    /// <summary>Where the watch resumes from; null: relist first. Kept across failed rounds, so a failure does not cost a LIST.</summary>
    string? _resourceVersion;

    /// <summary>
    /// Lists when there is no resourceVersion, then watches from it until the watch ends. Throws when the
    /// round failed, for the retry to pace.
    /// </summary>
    async Task RoundAsync(CancellationToken stop)
    {
        var relisted = _resourceVersion is null;
        if (relisted) _resourceVersion = await ListAsync(stop);
        SetHealth(CacheConnection.Live);
        // Set by the watch's error callback; however the cancelled stream then fails (an
        // OperationCanceledException, or an IOException from the torn response), it means relist.
        var expired = false;
        var received = false;
        using var watchScope = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var watchdog = _clock.CreateTimer(_ => watchScope.Cancel(), null, _options.IdleTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            var stream = _source.Watch(_namespace, _resourceVersion!, e =>
            {
                if (e is KubernetesException { Status.Code: 410 }) expired = true;
                else _logger.LogDebug(e, "Watch of {Resource} reported an error", Resource);
                watchScope.Cancel();
            }, watchScope.Token);
            var watchStarted = _clock.GetUtcNow();
            await foreach (var (type, obj) in stream.WithCancellation(watchScope.Token))
            {
                watchdog.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
                received = true;
                if (obj?.Metadata?.ResourceVersion is { Length: > 0 } rv) _resourceVersion = rv;
                if (type is WatchEventType.Bookmark) continue;
                if (type is WatchEventType.Error || obj is null) continue;
                Apply(type, obj);
            }
            // The server ended the watch. As client-go's reflector: ended at once with nothing in it is a
            // failure, so a server that keeps closing watches is not hammered in a tight loop.
            if (!received && !expired && _clock.GetUtcNow() - watchStarted < TimeSpan.FromSeconds(1))
                throw new IOException("very short watch: the API server closed the watch in under a second with no events");
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // The watchdog fired or the watch reported an error: resume below.
        }
        catch (Exception e) when (expired || e is HttpOperationException { Response.StatusCode: System.Net.HttpStatusCode.Gone } or KubernetesException { Status.Code: 410 })
        {
            expired = true;
        }
        catch (Exception e) when (received && e is not OperationCanceledException)
        {
            // A watch that worked and then broke resumes at once; only failing again is backed off.
            SetHealth(CacheConnection.Reconnecting, e.Message);
            _logger.LogInformation("Watch of {Resource} in {Namespace} broke ({Error}); resuming", Resource, _namespace ?? "all namespaces", e.Message);
            return;
        }
        if (!expired) return;
        _logger.LogInformation("Watch of {Resource} in {Namespace} expired (410); relisting", Resource, _namespace ?? "all namespaces");
        _resourceVersion = null;
        if (relisted && !received) throw new WatchExpiredAgain();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try { await _loop; }
            catch (OperationCanceledException) { }
        }
        List<Subscription<TView>> readers;
        lock (_gate) readers = [.. _readers];
        foreach (var r in readers) r.OfferReset();
        _stop.Dispose();
    }
}
