using Dashboard.ClusterServices.Caching;
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
    readonly CoalescingQueue<PodStreamEvent> _queue;
    readonly int _maxPending;
    readonly Action<PodEventReader> _onDispose;
    readonly Func<IReadOnlyList<PodStreamEvent>> _fellBehind;
    IReadOnlyList<PodStreamEvent> _snapshot;
    volatile string? _ended;
    int _disposed;

    internal PodEventReader(IReadOnlyList<PodStreamEvent> snapshot, int maxPending, Action<PodEventReader> onDispose)
    {
        _snapshot = snapshot;
        _maxPending = maxPending;
        // Woken inline: the feed's thread writes the update to this stream's connection itself (see WakeSignal).
        _queue = new(maxPending, Merge, wakeReaderInline: true);
        _onDispose = onDispose;
        _fellBehind = () => throw new HubException(_ended ??
            $"This stream fell more than {_maxPending} pods behind the cluster and was ended; start it again for a fresh list.");
    }

    /// <summary>An ADDED for every pod when the stream joined, by name; handed out once.</summary>
    public IReadOnlyList<PodStreamEvent> TakeSnapshot()
    {
        var snapshot = _snapshot;
        _snapshot = [];
        return snapshot;
    }

    /// <summary>Pods with an event not yet read (for <c>/stats</c> and tests).</summary>
    public int PendingCount => _queue.PendingCount;

    /// <summary>Takes a feed update's events, in order, under one lock and with one wake-up of the stream.</summary>
    internal void Offer(IReadOnlyList<PodStreamEvent> events) => _queue.Offer(events, static e => e.Name);

    /// <summary>Ends the stream with a message its client sees.</summary>
    internal void End(string message)
    {
        _ended ??= message;
        _queue.Drop();
    }

    static PodStreamEvent? Merge(PodStreamEvent before, PodStreamEvent next) => (before.Type, next.Type) switch
    {
        (PodStreamEvent.Added, PodStreamEvent.Deleted) => null,
        (PodStreamEvent.Added, _) => next.As(PodStreamEvent.Added),
        (PodStreamEvent.Deleted, _) => next.Type == PodStreamEvent.Deleted ? next : next.As(PodStreamEvent.Modified),
        _ => next,
    };

    /// <summary>Waits for the next events, in the order their pods first changed.</summary>
    /// <exception cref="HubException">The stream was ended, or fell so far behind that it must start again.</exception>
    public ValueTask<IReadOnlyList<PodStreamEvent>> ReadAsync(CancellationToken cancellationToken) =>
        _queue.ReadAsync(static batch => batch, _fellBehind, cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _onDispose(this);
        return ValueTask.CompletedTask;
    }
}
