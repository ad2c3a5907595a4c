using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dashboard.Records;

/// <summary>A database that cannot hold the records: the start stops with this message.</summary>
public sealed class RecordsUnavailableException(string message, Exception? inner = null, bool unreachable = false) : Exception(message, inner)
{
    /// <summary>The server did not answer (it may later): the dashboard runs on without records meanwhile.</summary>
    public bool Unreachable { get; } = unreachable;
}

/// <summary>
/// The records database: opened (and migrated) once at start, then written and read through short-lived
/// contexts. Rollout records are upserted by workload UID and revision, so a write repeated (a retry,
/// a second replica) changes nothing twice.
/// </summary>
public sealed class RecordStore
{
    readonly Func<RecordsContext> _contexts;

    RecordStore(RecordsProvider provider, Func<RecordsContext> contexts)
    {
        Provider = provider;
        _contexts = contexts;
    }

    public RecordsProvider Provider { get; }

    /// <summary>The SQLite file when none is configured: under the dashboard's data folder.</summary>
    public static string DefaultSqlitePath(string dataFolder) => Path.Combine(dataFolder, "records.db");

    /// <summary>
    /// Opens the database and applies the migrations this version knows. A file that is not a database,
    /// a schema from a newer version, or a server that refuses the connection stops here with a sentence
    /// that says which and what to do.
    /// </summary>
    public static async Task<RecordStore> OpenAsync(RecordsOptions options, string dataFolder, CancellationToken cancellationToken = default)
    {
        var store = Create(options, dataFolder);
        await using var db = store._contexts();
        var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        try
        {
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
            if (applied.FirstOrDefault(m => !known.Contains(m)) is { } newer)
                throw new RecordsUnavailableException(
                    $"The records database has schema {newer}, from a newer version of the dashboard than this one; run that version, or point Records__ConnectionString at another database.");
            await db.Database.MigrateAsync(cancellationToken);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */)
        {
            throw new RecordsUnavailableException($"The records file {db.Database.GetDbConnection().DataSource} is not a database: {e.Message}. Move it away, or set Records__ConnectionString to another file.", e);
        }
        catch (Exception e) when (e is NpgsqlException or PostgresException)
        {
            throw new RecordsUnavailableException($"The records database (PostgreSQL) cannot be opened: {e.Message}", e, unreachable: e is not PostgresException);
        }
        return store;
    }

    static RecordStore Create(RecordsOptions options, string dataFolder)
    {
        switch (options.Provider)
        {
            case RecordsProvider.Postgres:
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                    throw new RecordsUnavailableException("Records__Provider=Postgres needs Records__ConnectionString (the chart takes it from a Secret).");
                var postgres = new DbContextOptionsBuilder<PostgresRecordsContext>().UseNpgsql(options.ConnectionString).Options;
                return new RecordStore(RecordsProvider.Postgres, () => new PostgresRecordsContext(postgres));
            default:
                var connection = options.ConnectionString is { Length: > 0 } configured ? configured : $"Data Source={DefaultSqlitePath(dataFolder)}";
                if (new SqliteConnectionStringBuilder(connection).DataSource is { Length: > 0 } file && Path.GetDirectoryName(Path.GetFullPath(file)) is { } folder)
                    Directory.CreateDirectory(folder);
                var sqlite = new DbContextOptionsBuilder<SqliteRecordsContext>().UseSqlite(connection).Options;
                return new RecordStore(RecordsProvider.Sqlite, () => new SqliteRecordsContext(sqlite));
        }
    }

    /// <summary>Writes an action's intent before it is carried out; returns its id for <see cref="CompleteAuditAsync"/>.</summary>
    public async Task<long> StartAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        entry.Outcome = null;
        entry.CompletedAt = null;
        db.Audit.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        return entry.Id;
    }

    /// <summary>
    /// Writes an entry as it stands, outcome included: an action kept in the buffer while the database
    /// was away may have completed before it could be written.
    /// </summary>
    public async Task<long> InsertAuditAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        entry.Id = 0;
        db.Audit.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        return entry.Id;
    }

    public async Task CompleteAuditAsync(long id, string outcome, string message, DateTime completedAt, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        await db.Audit.Where(a => a.Id == id).ExecuteUpdateAsync(u => u
            .SetProperty(a => a.Outcome, outcome)
            .SetProperty(a => a.Message, message)
            .SetProperty(a => a.CompletedAt, completedAt), cancellationToken);
    }

    /// <summary>
    /// Inserts the record of a workload revision, or updates the one there: the same call from two
    /// replicas, or repeated after a lost answer, leaves one record.
    /// </summary>
    public async Task UpsertRolloutAsync(RolloutRecord record, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = _contexts();
            var existing = await db.Rollouts.FirstOrDefaultAsync(r => r.WorkloadUid == record.WorkloadUid && r.Revision == record.Revision, cancellationToken);
            if (existing is null) db.Rollouts.Add(Copy(record, new RolloutRecord
            {
                Context = record.Context, Namespace = record.Namespace, Kind = record.Kind, Workload = record.Workload,
                WorkloadUid = record.WorkloadUid, ToImages = record.ToImages, StartedBy = record.StartedBy,
            }));
            else Copy(record, existing);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (existing is null && attempt == 0)
            {
                // Another replica inserted the same revision between the read and the write: update that one.
            }
        }
    }

    static RolloutRecord Copy(RolloutRecord from, RolloutRecord to)
    {
        to.Context = from.Context;
        to.Namespace = from.Namespace;
        to.Kind = from.Kind;
        to.Workload = from.Workload;
        to.Revision = from.Revision;
        to.FromRevision = from.FromRevision;
        to.FromImages = from.FromImages;
        to.ToImages = from.ToImages;
        to.ChangeCause = from.ChangeCause;
        // A replica that saw the change without its action keeps the name another replica wrote.
        if (to.StartedBy is null || from.StartedBy != RolloutRecord.OutsideTheDashboard) to.StartedBy = from.StartedBy;
        to.ChangedBy = from.ChangedBy ?? to.ChangedBy;
        to.StartedAt = from.StartedAt;
        to.EndedAt = from.EndedAt;
        to.Outcome = from.Outcome;
        to.OutcomeDetail = from.OutcomeDetail;
        to.FirstFailureAt = from.FirstFailureAt;
        to.ProbeVerdict = from.ProbeVerdict;
        to.ProbeOk = from.ProbeOk;
        to.ProbeFailed = from.ProbeFailed;
        to.SamplesJson = from.SamplesJson;
        to.EventsJson = from.EventsJson;
        return to;
    }

    /// <summary>Audit entries, newest first, optionally of some namespaces only.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(IReadOnlyCollection<string>? namespaces = null, int take = 200, CancellationToken cancellationToken = default) =>
        (await AuditPageAsync(new AuditQuery { Namespaces = namespaces, Take = take }, cancellationToken)).Items;

    /// <summary>A page of audit entries matching the query, newest first, and how many match in all.</summary>
    public async Task<Page<AuditEntry>> AuditPageAsync(AuditQuery q, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var query = db.Audit.AsNoTracking();
        if (q.Namespaces is { } namespaces) query = query.Where(a => namespaces.Contains(a.Namespace));
        if (q.Namespace is { Length: > 0 } ns) query = query.Where(a => a.Namespace == ns);
        if (q.Target is { Length: > 0 } target) query = query.Where(a => a.Target == target);
        if (q.Person is { Length: > 0 } person) query = query.Where(a => a.Person == person);
        if (q.Action is { Length: > 0 } action) query = query.Where(a => a.Action == action);
        if (q.Since is { } since) query = query.Where(a => a.At >= since);
        if (q.Until is { } until) query = query.Where(a => a.At < until);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Skip(q.Skip).Take(q.Take).ToListAsync(cancellationToken);
        return new Page<AuditEntry>(items, total);
    }

    /// <summary>Rollout records, newest first, optionally of some namespaces only.</summary>
    public async Task<IReadOnlyList<RolloutRecord>> RolloutsAsync(IReadOnlyCollection<string>? namespaces = null, int take = 200, CancellationToken cancellationToken = default) =>
        (await RolloutPageAsync(new RolloutQuery { Namespaces = namespaces, Take = take }, cancellationToken)).Items;

    /// <summary>
    /// A page of rollout records matching the query, newest first, and how many match in all. The page
    /// leaves out the samples and events (a record page reads them with <see cref="RolloutAsync"/>).
    /// </summary>
    public async Task<Page<RolloutRecord>> RolloutPageAsync(RolloutQuery q, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var query = Filter(db.Rollouts.AsNoTracking(), q);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Skip(q.Skip).Take(q.Take)
            .Select(r => new RolloutRecord
            {
                Id = r.Id, Context = r.Context, Namespace = r.Namespace, Kind = r.Kind, Workload = r.Workload, WorkloadUid = r.WorkloadUid,
                Revision = r.Revision, FromRevision = r.FromRevision, FromImages = r.FromImages, ToImages = r.ToImages, ChangeCause = r.ChangeCause,
                StartedBy = r.StartedBy, ChangedBy = r.ChangedBy, StartedAt = r.StartedAt, EndedAt = r.EndedAt, Outcome = r.Outcome, OutcomeDetail = r.OutcomeDetail,
                FirstFailureAt = r.FirstFailureAt, ProbeVerdict = r.ProbeVerdict, ProbeOk = r.ProbeOk, ProbeFailed = r.ProbeFailed,
            })
            .ToListAsync(cancellationToken);
        return new Page<RolloutRecord>(items, total);
    }

    /// <summary>Every record matching the query (no paging, no samples): what the insights are computed from.</summary>
    public async Task<IReadOnlyList<RolloutRecord>> RolloutsForInsightsAsync(RolloutQuery q, CancellationToken cancellationToken = default) =>
        (await RolloutPageAsync(q with { Skip = 0, Take = int.MaxValue }, cancellationToken)).Items;

    static IQueryable<RolloutRecord> Filter(IQueryable<RolloutRecord> query, RolloutQuery q)
    {
        if (q.Namespaces is { } namespaces) query = query.Where(r => namespaces.Contains(r.Namespace));
        if (q.Context is { Length: > 0 } context) query = query.Where(r => r.Context == context);
        if (q.Namespace is { Length: > 0 } ns) query = query.Where(r => r.Namespace == ns);
        if (q.Workload is { Length: > 0 } workload) query = query.Where(r => r.Workload == workload);
        if (q.Outcome is { } outcome) query = query.Where(r => r.Outcome == outcome);
        if (q.StartedBy is { Length: > 0 } person) query = query.Where(r => r.StartedBy == person);
        if (q.Revision is { } revision) query = query.Where(r => r.Revision == revision);
        if (q.Since is { } since) query = query.Where(r => r.StartedAt >= since);
        if (q.Until is { } until) query = query.Where(r => r.StartedAt < until);
        return query;
    }

    /// <summary>Every namespace the records and the audit name: what visibility is decided over.</summary>
    public async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var rollouts = await db.Rollouts.Select(r => r.Namespace).Distinct().ToListAsync(cancellationToken);
        var audit = await db.Audit.Select(a => a.Namespace).Distinct().ToListAsync(cancellationToken);
        return rollouts.Union(audit, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Who started rollouts and who acted, for the filters' choices.</summary>
    public async Task<IReadOnlyList<string>> PeopleAsync(IReadOnlyCollection<string>? namespaces, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var rollouts = db.Rollouts.AsQueryable();
        var audit = db.Audit.AsQueryable();
        if (namespaces is not null)
        {
            rollouts = rollouts.Where(r => namespaces.Contains(r.Namespace));
            audit = audit.Where(a => namespaces.Contains(a.Namespace));
        }
        var starters = await rollouts.Select(r => r.StartedBy).Distinct().ToListAsync(cancellationToken);
        var actors = await audit.Select(a => a.Person).Distinct().ToListAsync(cancellationToken);
        return starters.Union(actors, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>One record whole, samples and events included.</summary>
    public async Task<RolloutRecord?> RolloutAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        return await db.Rollouts.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    /// <summary>
    /// The newest record of each workload of a cluster: where a rollout under way when the dashboard
    /// stopped is picked up again.
    /// </summary>
    public async Task<IReadOnlyList<RolloutRecord>> LatestRolloutsAsync(string context, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        return await db.Rollouts.AsNoTracking()
            .Where(r => r.Context == context && r.Revision == db.Rollouts.Where(o => o.WorkloadUid == r.WorkloadUid).Max(o => o.Revision))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The last action through the dashboard on a workload since a moment: who started a rollout when
    /// another replica of the dashboard carried out the action.
    /// </summary>
    public async Task<AuditEntry?> LastActionAsync(string ns, string target, IReadOnlyCollection<string> actions, DateTime since, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        return await db.Audit.AsNoTracking()
            .Where(a => a.Namespace == ns && a.Target == target && actions.Contains(a.Action) && a.At >= since && a.Outcome != "Refused" && a.Outcome != "Failed")
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Deletes what is older than the retention: records that started, and entries written, before <paramref name="before"/>.</summary>
    public async Task<int> PruneAsync(DateTime before, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        return await db.Rollouts.Where(r => r.StartedAt < before).ExecuteDeleteAsync(cancellationToken)
            + await db.Audit.Where(a => a.At < before).ExecuteDeleteAsync(cancellationToken);
    }
}
