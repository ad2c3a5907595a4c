using System.Net.Sockets;
using Dashboard.Records;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Web.Records;

/// <summary>Whether records are being saved, for the banner and <c>/api/v1/stats</c>.</summary>
public sealed record RecordsStatus(bool Saving, string? LastError, int Pending, long Dropped, int Capacity);

/// <summary>
/// The records database as the dashboard lives with it: opened at start (a file that is not a database
/// or a schema from a newer version stops the start), and written through an ordered, bounded buffer so
/// that a database that goes away costs nothing but a banner. While it is away, what happens is kept
/// (rollout records coalesced per revision, audit entries in order) and written when it is back; beyond
/// <c>Records__BufferCapacity</c> the oldest is dropped, logged and counted. Retention is applied hourly.
/// </summary>
public sealed class RecordsDatabase(IOptions<RecordsOptions> options, IConfiguration configuration, TimeProvider clock, ILogger<RecordsDatabase> logger) : BackgroundService
{
    static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    readonly Lock _gate = new();
    readonly LinkedList<PendingWrite> _pending = new();
    readonly Dictionary<string, LinkedListNode<PendingWrite>> _byKey = new(StringComparer.Ordinal);
    readonly SemaphoreSlim _signal = new(0);
    RecordStore? _store;
    bool _saving = true;
    string? _lastError;
    long _dropped;

    /// <summary>The dashboard's data folder (<c>Dashboard__DataPath</c>): the default home of the SQLite file.</summary>
    public static string DataFolder(IConfiguration configuration) => configuration["Dashboard:DataPath"] is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "rollout-dashboard");

    /// <summary>The store, once it opened; null while the database has not answered yet.</summary>
    public RecordStore? Store => Volatile.Read(ref _store);

    public RecordsOptions Options => options.Value;

    public RecordsStatus Status
    {
        get { lock (_gate) return new RecordsStatus(_saving, _lastError, _pending.Count, _dropped, Capacity); }
    }

    int Capacity => Math.Max(1, options.Value.BufferCapacity);

    /// <summary>Raised (on a background thread) when <see cref="Status"/> changes from saving to not or back.</summary>
    public event Action? Changed;

    /// <summary>True while writes can go straight to the database: it is open, answering, and nothing waits before them.</summary>
    internal bool Direct
    {
        get { lock (_gate) return _store is not null && _saving && _pending.Count == 0; }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _store = await RecordStore.OpenAsync(options.Value, DataFolder(configuration), cancellationToken);
            logger.LogInformation("Records: {Provider}", _store.Provider);
        }
        catch (RecordsUnavailableException e) when (e.Unreachable)
        {
            Fail(e.Message);
        }
        catch (RecordsUnavailableException e)
        {
            logger.LogCritical("Refusing to start: {Error}", e.Message);
            throw;
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Keeps a rollout record to write; a later copy of the same revision replaces one still waiting.</summary>
    public void Save(RolloutRecord record) => Enqueue(new PendingWrite($"rollout:{record.WorkloadUid}:{record.Revision}", record, null));

    /// <summary>Keeps an audit entry to write, in order (an intent, and later its outcome, may both wait here).</summary>
    internal void Save(AuditEntry entry) => Enqueue(new PendingWrite(null, null, entry));

    /// <summary>
    /// Keeps the completion of an entry: written by the id it has when its turn comes (an intent waiting
    /// before it in the buffer is written first, so it has one by then).
    /// </summary>
    internal void SaveCompletion(AuditEntry entry, string outcome, string message, DateTime at) =>
        Enqueue(new PendingWrite(null, null, null, (entry, outcome, message, at)));

    void Enqueue(PendingWrite write)
    {
        PendingWrite? dropped = null;
        lock (_gate)
        {
            if (write.Key is { } key && _byKey.TryGetValue(key, out var waiting)) waiting.Value = write;
            else
            {
                var node = _pending.AddLast(write);
                if (write.Key is { } k) _byKey[k] = node;
                if (_pending.Count > Capacity)
                {
                    dropped = _pending.First!.Value;
                    Remove(_pending.First);
                    _dropped++;
                }
            }
        }
        if (dropped is not null) logger.LogError("Records buffer full ({Capacity}): dropped {What}", Capacity, dropped.Describe());
        _signal.Release();
    }

    void Remove(LinkedListNode<PendingWrite> node)
    {
        if (node.Value.Key is { } key && _byKey.TryGetValue(key, out var current) && current == node) _byKey.Remove(key);
        _pending.Remove(node);
    }

    /// <summary>Called by a direct write that failed: the database is away until the writer gets through again.</summary>
    internal void Fail(string error)
    {
        bool changed;
        lock (_gate)
        {
            changed = _saving;
            _saving = false;
            _lastError = error;
        }
        if (changed)
        {
            logger.LogWarning("Records are not being saved: {Error}", error);
            Changed?.Invoke();
        }
        _signal.Release();
    }

    void Recovered()
    {
        bool changed;
        lock (_gate)
        {
            changed = !_saving;
            _saving = true;
            _lastError = null;
        }
        if (changed)
        {
            logger.LogInformation("Records are being saved again");
            Changed?.Invoke();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var nextPrune = clock.GetUtcNow();
        var warmed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var store = _store ??= await RecordStore.OpenAsync(options.Value, DataFolder(configuration), stoppingToken);
                await DrainAsync(store, stoppingToken);
                if (!warmed)
                {
                    // The pages' queries compile once, here, rather than in the first person's wait.
                    await store.RolloutPageAsync(new RolloutQuery { Namespaces = [""], Take = 1 }, stoppingToken);
                    await store.AuditPageAsync(new AuditQuery { Namespaces = [""], Take = 1 }, stoppingToken);
                    await store.PeopleAsync([""], stoppingToken);
                    await store.NamespacesAsync(stoppingToken);
                    warmed = true;
                }
                Recovered();
                backoff = TimeSpan.FromSeconds(1);
                if (clock.GetUtcNow() >= nextPrune)
                {
                    var pruned = await store.PruneAsync(clock.GetUtcNow().UtcDateTime.AddDays(-Math.Max(1, options.Value.RetentionDays)), stoppingToken);
                    if (pruned > 0) logger.LogInformation("Records: {Count} older than {Days} days deleted", pruned, options.Value.RetentionDays);
                    nextPrune = clock.GetUtcNow() + PruneEvery;
                }
                using var pruneDue = new CancellationTokenSource(nextPrune - clock.GetUtcNow() is { Ticks: > 0 } due ? due : TimeSpan.Zero, clock);
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, pruneDue.Token);
                try { await _signal.WaitAsync(wake.Token); }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsAway(e))
            {
                Fail(e is RecordsUnavailableException ? e.Message : $"the records database does not answer: {Innermost(e).Message}");
                try { await Task.Delay(backoff, clock, stoppingToken); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    async Task DrainAsync(RecordStore store, CancellationToken cancellationToken)
    {
        while (true)
        {
            PendingWrite write;
            lock (_gate)
            {
                if (_pending.First is not { } first) return;
                write = first.Value;
            }
            try
            {
                await write.WriteAsync(store, cancellationToken);
            }
            catch (Exception e) when (!IsAway(e) && e is not OperationCanceledException)
            {
                // The database answered and refused this one write: keeping it would block the rest for ever.
                lock (_gate) _dropped++;
                logger.LogError(e, "Records: {What} could not be written and was dropped", write.Describe());
            }
            lock (_gate)
            {
                // Written (or refused): take it off unless a newer copy of the same record replaced it meanwhile.
                if (_pending.First is { } first && ReferenceEquals(first.Value, write)) Remove(first);
            }
        }
    }

    /// <summary>The database did not answer (or answered that it is going away): worth writing again later.</summary>
    internal static bool IsAway(Exception e) => Innermost(e) switch
    {
        NpgsqlException n => n.IsTransient || n is not PostgresException,
        SqliteException s => s.SqliteErrorCode is 5 /* BUSY */ or 6 /* LOCKED */ or 10 /* IOERR */ or 14 /* CANTOPEN */ or 13 /* FULL */,
        RecordsUnavailableException r => r.Unreachable,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    static Exception Innermost(Exception e)
    {
        for (var at = e; ; at = at.InnerException!)
            if (at is NpgsqlException or SqliteException or RecordsUnavailableException or SocketException || at.InnerException is null) return at;
    }

    sealed class PendingWrite(string? key, RolloutRecord? rollout, AuditEntry? audit, (AuditEntry Entry, string Outcome, string Message, DateTime At)? completion = null)
    {
        public string? Key { get; } = key;

        public Task WriteAsync(RecordStore store, CancellationToken cancellationToken) =>
            rollout is not null ? store.UpsertRolloutAsync(rollout, cancellationToken)
            : audit is not null ? store.InsertAuditAsync(audit, cancellationToken)
            : completion!.Value.Entry.Id == 0 ? Task.CompletedTask // its intent was dropped: nothing to complete
            : store.CompleteAuditAsync(completion.Value.Entry.Id, completion.Value.Outcome, completion.Value.Message, completion.Value.At, cancellationToken);

        public string Describe() =>
            rollout is not null ? $"the record of {rollout.Namespace}/{rollout.Workload} revision {rollout.Revision}"
            : audit is not null ? $"{audit.Person}'s {audit.Action} on {audit.Namespace}/{audit.Target}"
            : $"the outcome of {completion!.Value.Entry.Person}'s {completion.Value.Entry.Action} on {completion.Value.Entry.Namespace}/{completion.Value.Entry.Target}";
    }
}
