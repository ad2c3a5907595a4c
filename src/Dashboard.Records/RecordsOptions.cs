namespace Dashboard.Records;

public enum RecordsProvider { Sqlite, Postgres }

/// <summary><c>Records__Provider</c>, <c>Records__ConnectionString</c>, <c>Records__RetentionDays</c>, <c>Records__BufferCapacity</c>, <c>Records__RecordRollouts</c>.</summary>
public sealed class RecordsOptions
{
    public const string Section = "Records";

    public RecordsProvider Provider { get; set; } = RecordsProvider.Sqlite;

    /// <summary>For SQLite, default a file under the dashboard's data folder; for PostgreSQL, required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Records and audit entries older than this are deleted.</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>Keep a record of every rollout the dashboard sees (false: the audit trail only).</summary>
    public bool RecordRollouts { get; set; } = true;

    /// <summary>How many writes wait while the database is away; beyond it the oldest is dropped, logged and counted.</summary>
    public int BufferCapacity { get; set; } = 10_000;
}
