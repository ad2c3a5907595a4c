namespace Dashboard.ClusterServices.Caching;

public enum ChangeKind { Upsert, Delete }

/// <summary>One object's latest state (or its deletion), keyed by namespace/name.</summary>
public sealed record Change<TView>(ChangeKind Kind, string Key, TView View);

/// <summary>
/// What a reader receives: a batch of coalesced changes, or, when it fell too far behind or the
/// cache relisted, a reset carrying the full current snapshot to replace its state with.
/// </summary>
public sealed record CacheUpdate<TView>(IReadOnlyList<Change<TView>> Changes, IReadOnlyList<TView>? Reset = null)
{
    public bool IsReset => Reset is not null;

    /// <summary>Brings a reader's own copy (keyed namespace/name) up to date: the reset first, then the changes.</summary>
    public void ApplyTo(IDictionary<string, TView> state, Func<TView, string> key)
    {
        if (Reset is { } all)
        {
            state.Clear();
            foreach (var item in all) state[key(item)] = item;
        }
        foreach (var change in Changes)
            if (change.Kind == ChangeKind.Delete) state.Remove(change.Key);
            else state[change.Key] = change.View;
    }
}

public enum CacheConnection { Connecting, Live, Reconnecting, Stopped }

/// <summary>How fresh a cache is: readers show "reconnecting" instead of stale data as if live.</summary>
public sealed record CacheHealth(CacheConnection Connection, DateTimeOffset? LastEventAt, string? LastError, string? ResourceVersion);

/// <summary>A cache's freshness, whatever it holds, so the registry can report the worst of them.</summary>
public interface ICacheHealthSource
{
    string Resource { get; }
    string? Namespace { get; }
    CacheHealth Health { get; }
    event Action<CacheHealth>? HealthChanged;
    /// <summary>Objects held.</summary>
    int Count { get; }
    int ReaderCount { get; }
    /// <summary>The most changes any one reader has not read yet: a stalled reader shows here, bounded by <see cref="Count"/>.</summary>
    int MostUnread { get; }
}

/// <summary>One running cache, for <c>/stats</c>.</summary>
public sealed record CacheStats(string Resource, string? Namespace, int Objects, int Readers, int MostUnread);

/// <summary>
/// The cluster as every running cache sees it: the worst connection state, the newest event, and which
/// caches are not live, so a page can say "reconnecting" instead of showing stale data as if live.
/// </summary>
public sealed record ClusterHealth(CacheConnection Connection, DateTimeOffset? LastEventAt, string? LastError, IReadOnlyList<string> NotLive)
{
    public static readonly ClusterHealth Idle = new(CacheConnection.Live, null, null, []);
    public bool IsLive => Connection == CacheConnection.Live;
}
