namespace Dashboard.Records;

/// <summary>One page of what a query matched, and how many it matched in all.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>What <c>/rollouts</c> and <c>GET /api/v1/rollouts</c> filter by. <see cref="Namespaces"/> is the visibility bound, null for every one.</summary>
public sealed record RolloutQuery
{
    public IReadOnlyCollection<string>? Namespaces { get; init; }
    public string? Context { get; init; }
    public string? Namespace { get; init; }
    public string? Workload { get; init; }
    public RolloutOutcome? Outcome { get; init; }
    public string? StartedBy { get; init; }
    public long? Revision { get; init; }
    public DateTime? Since { get; init; }
    public DateTime? Until { get; init; }
    public int Skip { get; init; }
    public int Take { get; init; } = 50;
}

/// <summary>What <c>/audit</c> and <c>GET /api/v1/audit</c> filter by.</summary>
public sealed record AuditQuery
{
    public IReadOnlyCollection<string>? Namespaces { get; init; }
    public string? Namespace { get; init; }
    public string? Target { get; init; }
    public string? Person { get; init; }
    public string? Action { get; init; }
    public DateTime? Since { get; init; }
    public DateTime? Until { get; init; }
    public int Skip { get; init; }
    public int Take { get; init; } = 50;
}
