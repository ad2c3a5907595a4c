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
    readonly CoalescingQueue<Change<TView>> _queue;
    readonly Func<Subscription<TView>, ValueTask> _onDispose;
    readonly Func<CacheUpdate<TView>> _resync;
    int _disposed;

    readonly Func<string, TView?> _find;

    internal Subscription(IReadOnlyList<TView> snapshot, Func<IReadOnlyList<TView>> freshSnapshot, int maxPending, Func<Subscription<TView>, ValueTask> onDispose, Func<string, TView?> find)
    {
        _find = find;
        _initial = snapshot;
        _resync = () => new CacheUpdate<TView>([], freshSnapshot());
        // An object's latest change replaces the one before it; past maxPending objects the reader is resynced.
        _queue = new(maxPending, static (_, next) => next);
        _onDispose = onDispose;
    }

    IReadOnlyList<TView> _initial;

    /// <summary>Every object at the moment of subscribing (empty once released).</summary>
    public IReadOnlyList<TView> Snapshot => _initial;

    public void ReleaseSnapshot() => _initial = [];

    /// <summary>The cache's current view of one object (<c>namespace/name</c>), without a copy of the rest: for a reader that only looks things up.</summary>
    public TView? Find(string key) => _find(key);

    /// <summary>Changes queued and not yet read (for tests and diagnostics).</summary>
    public int PendingCount => _queue.PendingCount;

    internal void Offer(Change<TView> change) => _queue.Offer(change.Key, change);

    internal void OfferReset() => _queue.Drop();

    /// <summary>Waits for the next batch of changes (or a reset: a fresh snapshot, taken as the queue starts again).</summary>
    public ValueTask<CacheUpdate<TView>> ReadAsync(CancellationToken cancellationToken = default) =>
        _queue.ReadAsync(static batch => new CacheUpdate<TView>(batch), _resync, cancellationToken);

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
