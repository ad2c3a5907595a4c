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
        to.StartedBy = from.StartedBy;
        to.StartedAt = from.StartedAt;
        to.EndedAt = from.EndedAt;
        to.Outcome = from.Outcome;
        to.ProbeVerdict = from.ProbeVerdict;
        to.ProbeOk = from.ProbeOk;
        to.ProbeFailed = from.ProbeFailed;
        to.SamplesJson = from.SamplesJson;
        to.EventsJson = from.EventsJson;
        return to;
    }

    /// <summary>Audit entries, newest first, optionally of some namespaces only.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(IReadOnlyCollection<string>? namespaces = null, int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var query = db.Audit.AsNoTracking();
        if (namespaces is not null) query = query.Where(a => namespaces.Contains(a.Namespace));
        return await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>Rollout records, newest first, optionally of some namespaces only.</summary>
    public async Task<IReadOnlyList<RolloutRecord>> RolloutsAsync(IReadOnlyCollection<string>? namespaces = null, int take = 200, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        var query = db.Rollouts.AsNoTracking();
        if (namespaces is not null) query = query.Where(r => namespaces.Contains(r.Namespace));
        return await query.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>Deletes what is older than the retention: records that started, and entries written, before <paramref name="before"/>.</summary>
    public async Task<int> PruneAsync(DateTime before, CancellationToken cancellationToken = default)
    {
        await using var db = _contexts();
        return await db.Rollouts.Where(r => r.StartedAt < before).ExecuteDeleteAsync(cancellationToken)
            + await db.Audit.Where(a => a.At < before).ExecuteDeleteAsync(cancellationToken);
    }
}
