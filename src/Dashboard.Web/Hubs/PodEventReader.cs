using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>
/// One stream's place in its namespace's feed: the pods at the moment it joined, then the events it
/// has not sent yet. Unsent events of one pod merge into the one event that takes the client from
/// what it last received to the pod's state now (ADDED then MODIFIED is still ADDED; ADDED then
/// DELETED is nothing; DELETED then ADDED is MODIFIED), so a stream that stops reading holds at most
/// one event per pod it knows or that exists; past <c>maxPending</c> pods it is ended instead.
/// </summary>
public sealed class PodEventReader : IAsyncDisposable
{
    readonly Lock _gate = new();
    // A null value: the pod's events cancelled out; its slot in _order is skipped.
    readonly Dictionary<string, PodStreamEvent?> _pending = new(StringComparer.Ordinal);
    readonly List<string> _order = [];
    readonly SemaphoreSlim _signal = new(0);
    readonly int _maxPending;
    readonly Action<PodEventReader> _onDispose;
    IReadOnlyList<PodStreamEvent> _snapshot;
    string? _ended;
    int _disposed;

    internal PodEventReader(IReadOnlyList<PodStreamEvent> snapshot, int maxPending, Action<PodEventReader> onDispose)
    {
        _snapshot = snapshot;
        _maxPending = maxPending;
        _onDispose = onDispose;
    }

    /// <summary>An ADDED for every pod when the stream joined, by name; handed out once.</summary>
    public IReadOnlyList<PodStreamEvent> TakeSnapshot()
    {
        var snapshot = _snapshot;
        _snapshot = [];
        return snapshot;
    }

    /// <summary>Pods with an event not yet read (for <c>/stats</c> and tests).</summary>
    public int PendingCount { get { lock (_gate) return _pending.Count; } }

    /// <summary>Takes a feed update's events, in order, under one lock and with one wake-up of the stream.</summary>
    internal void Offer(IReadOnlyList<PodStreamEvent> events)
    {
        lock (_gate)
        {
            if (_ended is not null) return;
            foreach (var next in events)
            {
                if (_pending.TryGetValue(next.Name, out var before))
                    _pending[next.Name] = before is null ? next : Merge(before, next);
                else if (_pending.Count >= _maxPending)
                {
                    EndLocked($"This stream fell more than {_maxPending} pods behind the cluster and was ended; start it again for a fresh list.");
                    break;
                }
                else
                {
                    _pending[next.Name] = next;
                    _order.Add(next.Name);
                }
            }
        }
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    /// <summary>Ends the stream with a message its client sees.</summary>
    internal void End(string message)
    {
        lock (_gate) EndLocked(message);
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    void EndLocked(string message)
    {
        _ended ??= message;
        _pending.Clear();
        _order.Clear();
    }

    static PodStreamEvent? Merge(PodStreamEvent before, PodStreamEvent next) => (before.Type, next.Type) switch
    {
        (PodStreamEvent.Added, PodStreamEvent.Deleted) => null,
        (PodStreamEvent.Added, _) => next.As(PodStreamEvent.Added),
        (PodStreamEvent.Deleted, _) => next.Type == PodStreamEvent.Deleted ? next : next.As(PodStreamEvent.Modified),
        _ => next,
    };

    /// <summary>Waits for the next events, in the order their pods first changed.</summary>
    /// <exception cref="HubException">The stream fell so far behind that it must start again.</exception>
    public async ValueTask<IReadOnlyList<PodStreamEvent>> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_ended is not null) throw new HubException(_ended);
                if (_order.Count == 0) continue;
                var batch = new List<PodStreamEvent>(_order.Count);
                foreach (var name in _order)
                    if (_pending[name] is { } e) batch.Add(e);
                _pending.Clear();
                _order.Clear();
                if (batch.Count > 0) return batch;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _onDispose(this);
        return ValueTask.CompletedTask;
    }
}
