using System.Text.Json;
using Dashboard.ClusterServices.Operations;
using Dashboard.Records;
using Dashboard.Web.Model;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Records;

/// <summary>
/// Every action through the dashboard, kept in the records database: written before the call (who,
/// what, on which target, with which inputs) and completed after it with the outcome's sentence, so a
/// crash in between still leaves a trace. Opened at start: a file that is not a database or a schema
/// from a newer version stops the start; a database that does not answer leaves the dashboard running
/// and its actions unrecorded (logged and counted).
/// </summary>
public sealed class AuditTrail(IOptions<RecordsOptions> options, IConfiguration configuration, TimeProvider clock, ILogger<AuditTrail> logger) : IHostedService
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    RecordStore? _store;
    long _unrecorded;

    /// <summary>The dashboard's data folder (<c>Dashboard__DataPath</c>): the default home of the SQLite file.</summary>
    public static string DataFolder(IConfiguration configuration) => configuration["Dashboard:DataPath"] is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "rollout-dashboard");

    /// <summary>Actions not recorded because the database was not there.</summary>
    public long Unrecorded => Interlocked.Read(ref _unrecorded);

    public RecordStore? Store => _store;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _store = await RecordStore.OpenAsync(options.Value, DataFolder(configuration), cancellationToken);
            logger.LogInformation("Records: {Provider}", _store.Provider);
        }
        catch (RecordsUnavailableException e) when (e.Unreachable)
        {
            logger.LogWarning("Records are not being saved: {Error}", e.Message);
        }
        catch (RecordsUnavailableException e)
        {
            logger.LogCritical("Refusing to start: {Error}", e.Message);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the intent; null when it could not be written (the action goes ahead all the same).</summary>
    public async Task<long?> BeginAsync(string person, string? context, RolloutCommand command, CancellationToken cancellationToken = default)
    {
        if (_store is not { } store) return NotRecorded(command, "the records database is not open");
        try
        {
            return await store.StartAuditAsync(new AuditEntry
            {
                Person = person, Action = command.GetType().Name, Context = context, Namespace = command.Namespace, Target = command.Name,
                Inputs = JsonSerializer.Serialize(command, command.GetType(), Json), At = clock.GetUtcNow().UtcDateTime,
            }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return NotRecorded(command, e.Message);
        }
    }

    public async Task CompleteAsync(long? id, OperationResult result)
    {
        if (id is not { } entry || _store is not { } store) return;
        try
        {
            await store.CompleteAuditAsync(entry, result.Outcome.ToString(), result.Message, clock.GetUtcNow().UtcDateTime);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _unrecorded);
            logger.LogWarning("The outcome of audit entry {Id} was not recorded: {Error}", entry, e.Message);
        }
    }

    long? NotRecorded(RolloutCommand command, string why)
    {
        Interlocked.Increment(ref _unrecorded);
        logger.LogWarning("{Action} on {Namespace}/{Name} was not recorded: {Error}", command.GetType().Name, command.Namespace, command.Name, why);
        return null;
    }
}
