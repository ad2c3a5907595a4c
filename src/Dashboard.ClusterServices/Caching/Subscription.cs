using System.Runtime.CompilerServices;

namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// One reader of a shared cache: the snapshot at subscription time, then coalesced changes. Changes
/// to the same object replace each other while unread, so a slow reader holds at most one pending
/// change per object; past <c>maxPending</c> distinct objects it is resynced from a fresh snapshot
/// instead. Either way it never slows the cache or the other readers. Dispose to unsubscribe.
/// </summary>
public sealed class Subscription<TView> : IViewFeed<TView>
{
    readonly Lock _gate = new();
    readonly Dictionary<string, Change<TView>> _pending = new(StringComparer.Ordinal);
    readonly List<string> _order = [];
    readonly SemaphoreSlim _signal = new(0);
    readonly Func<Subscription<TView>, ValueTask> _onDispose;
    readonly Func<IReadOnlyList<TView>> _snapshot;
    readonly int _maxPending;
    bool _resync;
    int _disposed;

    internal Subscription(IReadOnlyList<TView> snapshot, Func<IReadOnlyList<TView>> freshSnapshot, int maxPending, Func<Subscription<TView>, ValueTask> onDispose)
    {
        _initial = snapshot;
        _snapshot = freshSnapshot;
        _maxPending = maxPending;
        _onDispose = onDispose;
    }

    IReadOnlyList<TView> _initial;

    /// <summary>Every object at the moment of subscribing (empty once released).</summary>
    public IReadOnlyList<TView> Snapshot => _initial;

    public void ReleaseSnapshot() => _initial = [];

    /// <summary>Changes queued and not yet read (for tests and diagnostics).</summary>
    public int PendingCount { get { lock (_gate) return _pending.Count; } }

    internal void Offer(Change<TView> change)
    {
        lock (_gate)
        {
            if (_resync) return;
            if (!_pending.ContainsKey(change.Key))
            {
                if (_pending.Count >= _maxPending)
                {
                    // Too far behind: drop the queue and hand over a fresh snapshot on the next read.
                    _pending.Clear();
                    _order.Clear();
                    _resync = true;
                    _signal.Release();
                    return;
                }
                _order.Add(change.Key);
            }
            _pending[change.Key] = change;
        }
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    internal void OfferReset()
    {
        lock (_gate)
        {
            _pending.Clear();
            _order.Clear();
            _resync = true;
        }
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    /// <summary>Waits for the next batch of changes (or a reset).</summary>
    public async ValueTask<CacheUpdate<TView>> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_resync)
                {
                    _resync = false;
                    return new CacheUpdate<TView>([], _snapshot());
                }
                if (_order.Count == 0) continue;
                var batch = _order.Select(k => _pending[k]).ToList();
                _pending.Clear();
                _order.Clear();
                return new CacheUpdate<TView>(batch);
            }
        }
    }

    /// <summary>Updates as an async stream, batched: at most one batch per <paramref name="minInterval"/>.</summary>
    public async IAsyncEnumerable<CacheUpdate<TView>> ReadAllAsync(TimeSpan minInterval = default, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            CacheUpdate<TView> update;
            try { update = await ReadAsync(cancellationToken); }
            catch (OperationCanceledException) { yield break; }
            yield return update;
            if (minInterval > TimeSpan.Zero)
            {
                try { await Task.Delay(minInterval, cancellationToken); }
                catch (OperationCanceledException) { yield break; }
            }
        }
    }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? _onDispose(this) : ValueTask.CompletedTask;
}
