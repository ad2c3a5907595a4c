namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// What a component consumes: a snapshot, then batches of changes (or a reset). The owner disposes
/// it. <see cref="Subscription{TView}"/> is the real one; tests feed components through channels.
/// </summary>
public interface IViewFeed<TView> : IAsyncDisposable
{
    IReadOnlyList<TView> Snapshot { get; }

    /// <summary>The reader has copied what it keeps of the snapshot: the feed lets go of it (a namespace's worth, per page).</summary>
    void ReleaseSnapshot() { }
    ValueTask<CacheUpdate<TView>> ReadAsync(CancellationToken cancellationToken = default);
}
