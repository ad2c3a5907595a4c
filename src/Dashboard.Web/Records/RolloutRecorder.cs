using Dashboard.ClusterServices;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.Records;
using Dashboard.Web.Cluster;

namespace Dashboard.Web.Records;

/// <summary>
/// Keeps a record of every rollout the shared caches see on the cluster the dashboard runs on, whoever
/// started it, through <see cref="RolloutBook"/>'s rules. Reads the same all-namespace deployment and
/// replicaset subscriptions as the timelines (so no watch of its own), and the pods of a namespace only
/// while a rollout there is open. Writes go through <see cref="RecordsDatabase"/>'s buffer, so a
/// database that is away holds up nothing. After a restart it picks up each workload's newest record.
/// </summary>
public sealed class RolloutRecorder(ClusterScope cluster, ClusterConnection connection, RecordsDatabase database, AuditTrail audit, Notifications.Notifier notifier,
    TimeProvider clock, ILogger<RolloutRecorder> logger) : BackgroundService
{
    /// <summary>Actions through the dashboard that start a rollout: the person behind the next revision seen.</summary>
    static readonly string[] Starters = [nameof(Model.SetImage), nameof(Model.Restart), nameof(Model.Rollback), nameof(Model.Resume)];
    static readonly TimeSpan AttributionWindow = TimeSpan.FromMinutes(2);
    // Never longer than the timelines keep the same namespace's pods (a minute after its rollouts): the recorder adds no watch of its own.
    static readonly TimeSpan PodsKeptAfterRollouts = TimeSpan.Zero;

    readonly Lock _gate = new();
    readonly Dictionary<string, DeploymentView> _deployments = new(StringComparer.Ordinal);
    readonly Dictionary<string, ReplicaSetView> _replicaSets = new(StringComparer.Ordinal);
    readonly Dictionary<string, PodsOfNamespace> _pods = new(StringComparer.Ordinal);

    sealed class PodsOfNamespace(DateTime now)
    {
        public readonly PodIndex Pods = new();
        public DateTime LastNeeded = now;
        public readonly CancellationTokenSource Stop = new();
    }

    readonly SemaphoreSlim _changed = new(0);
    readonly Queue<(RolloutRecord Record, bool Started)> _toSave = new();
    RolloutBook? _book;
    readonly Dictionary<string, string> _attributed = new(StringComparer.Ordinal);
    readonly Dictionary<string, RolloutOutcome> _outcomes = new(StringComparer.Ordinal);
    readonly TaskCompletionSource _looked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Rollout records written since start (copies handed to the database).</summary>
    public long Written => Interlocked.Read(ref _written);
    long _written;

    /// <summary>
    /// Completes once the recorder has looked at the cluster: a rollout that began and ended before then
    /// is the baseline it found, not one it saw.
    /// </summary>
    public Task Looked => _looked.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!database.Options.RecordRollouts)
        {
            logger.LogInformation("Rollouts are not recorded: Records__RecordRollouts=false (the audit trail is kept)");
            _looked.TrySetResult();
            return;
        }
        try
        {
            await connection.ConfigurationAsync.WaitAsync(stoppingToken);
            var book = new RolloutBook(connection.Context ?? "in-cluster");
            await LoadAsync(book, stoppingToken);
            var deployments = await cluster.Cache.SubscribeDeploymentsAsync(null, stoppingToken);
            var replicaSets = await cluster.Cache.SubscribeReplicaSetsAsync(null, stoppingToken);
            await using (deployments)
            await using (replicaSets)
            {
                var loops = new[]
                {
                    FollowAsync(deployments, _deployments, static d => $"{d.Namespace}/{d.Name}", static d => d.Uid, stoppingToken),
                    FollowAsync(replicaSets, _replicaSets, static rs => $"{rs.Namespace}/{rs.Name}", static rs => rs.OwnerUid, stoppingToken),
                };
                lock (_gate) _book = book;
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
                Task<bool>? tick = null;
                Task? wake = null;
                while (true)
                {
                    // Every second for the samples and the deadline; at once for records the change feeds moved on.
                    tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    wake ??= _changed.WaitAsync(stoppingToken);
                    var ticked = await Task.WhenAny(tick, wake) == tick;
                    if (ticked)
                    {
                        if (!await tick) break;
                        tick = null;
                    }
                    else
                    {
                        await wake;
                        wake = null;
                    }
                    try
                    {
                        if (ticked) Observe(book, null);
                        await SaveAsync(stoppingToken);
                        if (ticked) _looked.TrySetResult();
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning(e, "Rollout records: a second was not recorded: {Error}", e.Message);
                    }
                }
                await Task.WhenAll(loops);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Rollouts are not recorded: {Error}", e.Message);
        }
        finally
        {
            List<PodsOfNamespace> feeds;
            lock (_gate) feeds = [.. _pods.Values];
            foreach (var feed in feeds) await feed.Stop.CancelAsync();
        }
    }

    /// <summary>The newest record of each workload, waiting a little for a database still starting.</summary>
    async Task LoadAsync(RolloutBook book, CancellationToken cancellationToken)
    {
        for (var waited = TimeSpan.Zero; database.Store is null && waited < TimeSpan.FromSeconds(30); waited += TimeSpan.FromSeconds(1))
            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
        if (database.Store is not { } store)
        {
            logger.LogWarning("Rollout records: the database did not answer; rollouts under way are recorded afresh");
            return;
        }
        try
        {
            var latest = await store.LatestRolloutsAsync(book.Context, cancellationToken);
            book.Load(latest);
            logger.LogInformation("Rollout records: {Open} open of {Count} workloads picked up", latest.Count(r => r.IsOpen), latest.Count);
        }
        catch (Exception e) when (RecordsDatabase.IsAway(e))
        {
            logger.LogWarning("Rollout records: the newest records could not be read ({Error}); rollouts under way are recorded afresh", e.Message);
        }
    }

    /// <summary>
    /// Keeps a copy of a feed, and shows the book each Deployment a change touched as it arrives: a
    /// rollout's every step decides its record, and the next step may come before the next second.
    /// </summary>
    async Task FollowAsync<T>(Subscription<T> feed, Dictionary<string, T> state, Func<T, string> key, Func<T, string?> deployment, CancellationToken cancellationToken)
    {
        lock (_gate)
            foreach (var item in feed.Snapshot) state[key(item)] = item;
        feed.ReleaseSnapshot();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(cancellationToken);
                lock (_gate)
                {
                    update.ApplyTo(state, key);
                    if (_book is { } book && !update.IsReset)
                        Observe(book, update.Changes.Where(c => c.Kind == ChangeKind.Upsert).Select(c => deployment(c.View)).OfType<string>().ToHashSet(StringComparer.Ordinal));
                }
                if (_changed.CurrentCount == 0) _changed.Release();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Shows the book the cluster as the caches hold it now (all of it, or the Deployments that changed) and queues what changed.</summary>
    void Observe(RolloutBook book, IReadOnlySet<string>? only)
    {
        if (only is { Count: 0 }) return;
        var now = clock.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            // At a change, only the Deployments it touched (and their ReplicaSets) are gathered.
            IReadOnlyCollection<DeploymentView> deployments = only is null ? [.. _deployments.Values] : [.. _deployments.Values.Where(d => only.Contains(d.Uid))];
            var sets = _replicaSets.Values.Where(rs => rs.OwnerUid is not null && (only is null || only.Contains(rs.OwnerUid))).ToLookup(rs => rs.OwnerUid!);
            var moment = new ClusterMoment(now, deployments, sets,
                (ns, set) => _pods.TryGetValue(ns, out var p) && p.Pods.Ready ? p.Pods.OwnedBy(set) : null,
                (ns, name, revision) => cluster.Timelines.For(ns, name).FirstOrDefault(t => t.Revision == revision)?.Samples,
                (ns, name, revision) => cluster.Probes.Find(ns, name)?.Verdicts.LastOrDefault(v => v.Revision == revision));
            foreach (var change in book.Observe(moment, d => audit.RecentAction(connection.Context, d.Namespace, d.Name, AttributionWindow) is { } recent && Starters.Contains(recent.Action) ? recent.Person : null, only))
                _toSave.Enqueue(change);
        }
        if (only is null) FollowPodsOf(book, now);
    }

    /// <summary>Hands the changed records to the database, naming who started a new one when another replica's audit knows.</summary>
    async Task SaveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            (RolloutRecord Record, bool Started) next;
            lock (_gate)
                if (!_toSave.TryDequeue(out next)) return;
            var (record, started) = next;
            if (started && record.StartedBy == RolloutRecord.OutsideTheDashboard && database.Direct && database.Store is { } store)
            {
                // Another replica of the dashboard may have carried out the action: its audit entry says who.
                try
                {
                    if (await store.LastActionAsync(record.Namespace, record.Workload, Starters, record.StartedAt - AttributionWindow, cancellationToken) is { } action)
                    {
                        record.StartedBy = action.Person;
                        // Later copies of the record come from the book, which does not know: they carry the name too.
                        if (_attributed.Count > 1000) _attributed.Clear();
                        _attributed[$"{record.WorkloadUid}:{record.Revision}"] = action.Person;
                    }
                }
                catch (Exception e) when (RecordsDatabase.IsAway(e))
                {
                }
            }
            if (record.StartedBy == RolloutRecord.OutsideTheDashboard && _attributed.TryGetValue($"{record.WorkloadUid}:{record.Revision}", out var person)) record.StartedBy = person;
            if (started) logger.LogInformation("Rollout of {Namespace}/{Name} to revision {Revision} started by {Person}", record.Namespace, record.Workload, record.Revision, record.StartedBy);
            database.Save(record);
            Interlocked.Increment(ref _written);
            Notify(record, started);
        }
    }

    /// <summary>A rollout that started, completed, or failed (the deadline, or rolled back) is told to the webhooks once.</summary>
    void Notify(RolloutRecord record, bool started)
    {
        var key = $"{record.WorkloadUid}:{record.Revision}";
        _outcomes.TryGetValue(key, out var before);
        if (!started && before == record.Outcome) return;
        if (_outcomes.Count > 10_000) _outcomes.Clear();
        _outcomes[key] = record.Outcome;
        var kind = started ? Notifications.NotificationEvents.RolloutStarted
            : record.Outcome == RolloutOutcome.Complete ? Notifications.NotificationEvents.RolloutCompleted
            : record.IsFailure ? Notifications.NotificationEvents.RolloutFailed
            : null;
        if (kind is null) return;
        notifier.Publish(new Notifications.Notification(kind, record.Context, record.Namespace, record.Workload, record.Kind, record.Revision,
            record.FromImages, record.ToImages, record.StartedBy, RecordFilters.Label(record.Outcome), record.OutcomeDetail, clock.GetUtcNow()));
    }

    /// <summary>Follows the pods of namespaces with an open record (for stuck new pods), and lets go of those idle for a while.</summary>
    void FollowPodsOf(RolloutBook book, DateTime now)
    {
        // Only while the timelines follow the same rollout (so the same shared pod cache is open anyway).
        var needed = book.Open.Where(r => cluster.Timelines.For(r.Namespace, r.Workload).FirstOrDefault()?.InProgress == true)
            .Select(r => r.Namespace).ToHashSet(StringComparer.Ordinal);
        var open = new List<(string, PodsOfNamespace)>();
        lock (_gate)
        {
            foreach (var ns in needed)
            {
                if (!_pods.TryGetValue(ns, out var entry)) open.Add((ns, _pods[ns] = entry = new PodsOfNamespace(now)));
                entry.LastNeeded = now;
            }
            foreach (var (ns, entry) in _pods.Where(e => now - e.Value.LastNeeded > PodsKeptAfterRollouts).ToList())
            {
                _pods.Remove(ns);
                entry.Stop.Cancel();
            }
        }
        foreach (var (ns, entry) in open) _ = FollowPodsAsync(ns, entry);
    }

    async Task FollowPodsAsync(string ns, PodsOfNamespace entry)
    {
        try
        {
            await using var feed = await cluster.Cache.SubscribePodsAsync(ns, entry.Stop.Token);
            lock (_gate)
            {
                foreach (var pod in feed.Snapshot) entry.Pods.Put(pod);
                entry.Pods.Ready = true;
            }
            feed.ReleaseSnapshot();
            while (!entry.Stop.IsCancellationRequested)
            {
                var update = await feed.ReadAsync(entry.Stop.Token);
                lock (_gate) entry.Pods.Apply(update);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception)
        {
            // An unreachable cluster: the next second asks again.
            lock (_gate) _pods.Remove(ns);
        }
    }
}
