using System.Text.Json;
using Dashboard.ClusterServices.Operations;
using Dashboard.Records;
using Dashboard.Web.Model;

namespace Dashboard.Web.Records;

/// <summary>An action's entry in the audit trail: written already (an id), or waiting in the buffer.</summary>
public sealed class AuditHandle
{
    internal AuditHandle(AuditEntry entry) => Entry = entry;

    internal AuditEntry Entry { get; }

    internal bool Written { get; set; }
}

/// <summary>
/// Every action through the dashboard, kept in the records database: written before the call (who,
/// what, on which target, with which inputs) and completed after it with the outcome's sentence, so a
/// crash in between still leaves a trace. While the database is away the entry waits in the records
/// buffer and is written, outcome and all, when it is back.
/// </summary>
public sealed class AuditTrail(RecordsDatabase database, TimeProvider clock, ILogger<AuditTrail> logger)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    readonly Lock _gate = new();
    readonly Dictionary<string, (string Person, string Action, DateTime At)> _recent = new(StringComparer.Ordinal);

    public RecordStore? Store => database.Store;

    /// <summary>Writes the intent, or keeps it for later; the action goes ahead either way.</summary>
    public async Task<AuditHandle> BeginAsync(string person, string? context, RolloutCommand command, CancellationToken cancellationToken = default)
    {
        var at = clock.GetUtcNow().UtcDateTime;
        var handle = new AuditHandle(new AuditEntry
        {
            Person = person, Action = command.GetType().Name, Context = context, Namespace = command.Namespace, Target = command.Name,
            Inputs = JsonSerializer.Serialize(command, command.GetType(), Json), At = at,
        });
        lock (_gate) _recent[Key(context, command.Namespace, command.Name)] = (person, handle.Entry.Action, at);
        if (database.Direct && database.Store is { } store)
        {
            try
            {
                await store.StartAuditAsync(handle.Entry, cancellationToken);
                handle.Written = true;
                return handle;
            }
            catch (Exception e) when (RecordsDatabase.IsAway(e))
            {
                database.Fail($"the records database does not answer: {e.Message}");
            }
        }
        handle.Entry.Id = 0;
        database.Save(handle.Entry);
        return handle;
    }

    public async Task CompleteAsync(AuditHandle handle, OperationResult result)
    {
        var (outcome, message, at) = (result.Outcome.ToString(), result.Message, clock.GetUtcNow().UtcDateTime);
        if (handle.Written && database.Direct && database.Store is { } store)
        {
            try
            {
                await store.CompleteAuditAsync(handle.Entry.Id, outcome, message, at);
                return;
            }
            catch (Exception e) when (RecordsDatabase.IsAway(e))
            {
                database.Fail($"the records database does not answer: {e.Message}");
            }
            catch (Exception e)
            {
                logger.LogWarning("The outcome of audit entry {Id} was not recorded: {Error}", handle.Entry.Id, e.Message);
                return;
            }
        }
        // The intent is in the buffer, or the database is away: the completion waits behind it, in order.
        database.SaveCompletion(handle.Entry, outcome, message, at);
    }

    /// <summary>
    /// Who last acted on a workload through this replica, and with what, if within <paramref name="within"/>:
    /// the person a rollout the recorder sees was started by.
    /// </summary>
    public (string Person, string Action, DateTime At)? RecentAction(string? context, string ns, string name, TimeSpan within)
    {
        lock (_gate)
            return _recent.TryGetValue(Key(context, ns, name), out var recent) && clock.GetUtcNow().UtcDateTime - recent.At <= within ? recent : null;
    }

    static string Key(string? context, string ns, string name) => $"{context}\n{ns}\n{name}";
}
