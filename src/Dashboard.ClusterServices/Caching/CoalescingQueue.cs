namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// What one reader has not read yet, at most one entry per key: an entry offered for a key already
/// pending is merged with it (<c>merge</c> may return null: the two cancel out), and entries come out in
/// the order their keys were first queued. A reader that stops reading therefore holds at most one
/// entry per object, never a history; past <c>maxPending</c> keys the queue is dropped instead, further
/// offers are ignored, and the next read says so (the reader starts again from the truth). Shared by
/// the cache's subscriptions and the hub's pod streams, which differ only in how they merge and in what
/// a dropped queue means to them.
/// </summary>
/// <param name="wakeReaderInline">
/// Run the reader, once woken, on the offering thread until it waits again (see <see cref="WakeSignal"/>);
/// only for readers that do little and never block, and offers made outside the offerer's own locks.
/// </param>
public sealed class CoalescingQueue<T>(int maxPending, Func<T, T, T?> merge, bool wakeReaderInline = false) where T : class
{
    readonly Lock _gate = new();
    // A null value: the key's entries cancelled out; its slot in _order is skipped.
    readonly Dictionary<string, T?> _pending = new(StringComparer.Ordinal);
    readonly List<string> _order = [];
    readonly WakeSignal _signal = new(wakeReaderInline);
    bool _dropped;

    /// <summary>Keys with an entry not yet read (for <c>/stats</c>, diagnostics and tests).</summary>
    public int PendingCount { get { lock (_gate) return _pending.Count; } }

    /// <summary>Queues one entry.</summary>
    public void Offer(string key, T entry)
    {
        lock (_gate) OfferLocked(key, entry);
        Wake();
    }

    /// <summary>Queues entries in order, under one lock and with one wake-up of the reader.</summary>
    public void Offer(IReadOnlyList<T> entries, Func<T, string> key)
    {
        lock (_gate)
            foreach (var e in entries)
                if (!OfferLocked(key(e), e)) break;
        Wake();
    }

    // False once the queue is dropped: nothing more is taken until it has been read.
    bool OfferLocked(string key, T entry)
    {
        if (_dropped) return false;
        if (_pending.TryGetValue(key, out var before))
        {
            _pending[key] = before is null ? entry : merge(before, entry);
            return true;
        }
        if (_pending.Count >= maxPending)
        {
            DropLocked();
            return false;
        }
        _pending[key] = entry;
        _order.Add(key);
        return true;
    }

    /// <summary>Drops what is pending; the next read reports the queue dropped.</summary>
    public void Drop()
    {
        lock (_gate) DropLocked();
        Wake();
    }

    void DropLocked()
    {
        _dropped = true;
        _pending.Clear();
        _order.Clear();
    }

    void Wake() => _signal.Set();

    /// <summary>
    /// Waits for entries and hands them over in order, or, when the queue was dropped, calls
    /// <paramref name="dropped"/> (under the queue's lock, so nothing offered meanwhile is lost or reordered
    /// around what it reads) and accepts offers again.
    /// </summary>
    public async ValueTask<TResult> ReadAsync<TResult>(Func<IReadOnlyList<T>, TResult> read, Func<TResult> dropped, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_dropped)
                {
                    _dropped = false;
                    return dropped();
                }
                if (_order.Count == 0) continue;
                var batch = new List<T>(_order.Count);
                foreach (var key in _order)
                    if (_pending[key] is { } e) batch.Add(e);
                _pending.Clear();
                _order.Clear();
                if (batch.Count > 0) return read(batch);
            }
        }
    }
}
