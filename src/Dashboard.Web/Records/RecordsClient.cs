using Dashboard.Records;
using Dashboard.Web.Model;

namespace Dashboard.Web.Records;

/// <summary>What a records page gets: the items, or why there are none (the database is away, a bad filter).</summary>
public sealed record RecordsAnswer<T>(T? Value, string? Problem)
{
    public static RecordsAnswer<T> Fail(string problem) => new(default, problem);
}

/// <summary>
/// The records as the person signed in may see them: the pages ask here, never the database. Every
/// query is bounded to the namespaces whose deployments the person may list (the cluster's RBAC
/// decides, as for the live pages), and a database that is away is a sentence, not an exception.
/// </summary>
public sealed class RecordsClient(RecordsDatabase database, IDashboardClient client, TimeProvider clock, ILogger<RecordsClient> logger)
{
    public const int PageSize = 50;

    public RecordsStatus Status => database.Status;

    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The namespaces the records name that the person may see.</summary>
    public Task<RecordsAnswer<IReadOnlyList<string>>> NamespacesAsync(CancellationToken cancellationToken = default) =>
        AskAsync<IReadOnlyList<string>>(async (store, visible) => visible.Order(StringComparer.Ordinal).ToList(), cancellationToken);

    public Task<RecordsAnswer<IReadOnlyList<string>>> PeopleAsync(CancellationToken cancellationToken = default) =>
        AskAsync((store, visible) => store.PeopleAsync(visible, cancellationToken), cancellationToken);

    public Task<RecordsAnswer<Page<RolloutRecord>>> RolloutsAsync(RolloutQuery query, CancellationToken cancellationToken = default) =>
        AskAsync((store, visible) => store.RolloutPageAsync(query with { Namespaces = visible }, cancellationToken), cancellationToken);

    public Task<RecordsAnswer<Page<AuditEntry>>> AuditAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        AskAsync((store, visible) => store.AuditPageAsync(query with { Namespaces = visible }, cancellationToken), cancellationToken);

    /// <summary>One record, if it exists and the person may see its namespace.</summary>
    public Task<RecordsAnswer<RolloutRecord>> RolloutAsync(long id, CancellationToken cancellationToken = default) =>
        AskAsync(async (store, visible) => await store.RolloutAsync(id, cancellationToken) is { } record && visible.Contains(record.Namespace)
            ? record
            : throw new KeyNotFoundException($"There is no rollout record {id} (or it is in a namespace you may not see)."), cancellationToken);

    /// <summary>The delivery measures over the last <paramref name="window"/>, for a workload, a namespace or everything the person may see.</summary>
    public Task<RecordsAnswer<DeliveryInsights>> InsightsAsync(string? ns, string? workload, TimeSpan window, CancellationToken cancellationToken = default) =>
        AskAsync(async (store, visible) =>
        {
            var until = Now;
            var since = until - window;
            // A failure's restore may end after the window's records: read on to now.
            var records = await store.RolloutsForInsightsAsync(new RolloutQuery { Namespaces = visible, Namespace = ns, Workload = workload, Since = since }, cancellationToken);
            return DeliveryInsights.Compute(records, since, until);
        }, cancellationToken);

    async Task<RecordsAnswer<T>> AskAsync<T>(Func<RecordStore, IReadOnlyCollection<string>, Task<T>> ask, CancellationToken cancellationToken)
    {
        if (database.Store is not { } store)
            return RecordsAnswer<T>.Fail($"Records are not available: {database.Status.LastError ?? "the records database is not open"}.");
        try
        {
            var visible = await client.VisibleNamespacesAsync(await store.NamespacesAsync(cancellationToken), cancellationToken);
            return new RecordsAnswer<T>(await ask(store, [.. visible]), null);
        }
        catch (KeyNotFoundException e)
        {
            return RecordsAnswer<T>.Fail(e.Message);
        }
        catch (Exception e) when (RecordsDatabase.IsAway(e))
        {
            return RecordsAnswer<T>.Fail($"Records are not available: the records database does not answer ({e.Message}).");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Records query failed");
            return RecordsAnswer<T>.Fail($"Records could not be read: {e.Message}");
        }
    }
}
