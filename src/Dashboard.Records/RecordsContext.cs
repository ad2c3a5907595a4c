using Microsoft.EntityFrameworkCore;

namespace Dashboard.Records;

/// <summary>
/// The records' model. Each provider has a context of its own (<see cref="SqliteRecordsContext"/>,
/// <see cref="PostgresRecordsContext"/>) so each has migrations generated for it.
/// </summary>
public abstract class RecordsContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<RolloutRecord> Rollouts => Set<RolloutRecord>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<RolloutRecord>(e =>
        {
            e.ToTable("rollouts");
            // One record per workload revision, whichever replica saw it first.
            e.HasIndex(r => new { r.WorkloadUid, r.Revision }).IsUnique();
            e.HasIndex(r => r.StartedAt);
            e.HasIndex(r => new { r.Namespace, r.Workload });
            e.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(16);
            foreach (var name in new[] { nameof(RolloutRecord.Context), nameof(RolloutRecord.Namespace), nameof(RolloutRecord.Workload), nameof(RolloutRecord.Kind), nameof(RolloutRecord.WorkloadUid), nameof(RolloutRecord.StartedBy), nameof(RolloutRecord.ChangedBy) })
                e.Property(name).HasMaxLength(253);
        });
        model.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit");
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.Namespace, a.Target });
            foreach (var name in new[] { nameof(AuditEntry.Person), nameof(AuditEntry.Action), nameof(AuditEntry.Context), nameof(AuditEntry.Namespace), nameof(AuditEntry.Target), nameof(AuditEntry.Outcome) })
                e.Property(name).HasMaxLength(253);
        });
    }
}

public sealed class SqliteRecordsContext(DbContextOptions<SqliteRecordsContext> options) : RecordsContext(options);

public sealed class PostgresRecordsContext(DbContextOptions<PostgresRecordsContext> options) : RecordsContext(options);
