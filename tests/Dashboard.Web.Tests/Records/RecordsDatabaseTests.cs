using Dashboard.ClusterServices.Operations;
using Dashboard.Records;
using Dashboard.Testing;
using Dashboard.Web.Model;
using Dashboard.Web.Records;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>The records database going away and coming back, on a real PostgreSQL server stopped and started by the test.</summary>
public sealed class RecordsDatabaseTests : IAsyncLifetime
{
    PostgresServer _postgres = null!;
    readonly List<RecordsDatabase> _started = [];

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var database in _started) await database.StopAsync(CancellationToken.None);
        await _postgres.DisposeAsync();
    }

    async Task<(RecordsDatabase Database, AuditTrail Audit)> StartAsync(int capacity = 10_000)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new RecordsOptions
        {
            Provider = RecordsProvider.Postgres,
            ConnectionString = _postgres.ConnectionStringFor("records") + ";Timeout=3;Command Timeout=5",
            BufferCapacity = capacity,
        });
        var database = new RecordsDatabase(options, new ConfigurationBuilder().Build(), TimeProvider.System, NullLogger<RecordsDatabase>.Instance);
        await database.StartAsync(CancellationToken.None);
        _started.Add(database);
        return (database, new AuditTrail(database, TimeProvider.System, NullLogger<AuditTrail>.Instance));
    }

    static RolloutRecord Rollout(long revision) => new()
    {
        Context = "embedded", Namespace = "default", Kind = "Deployment", Workload = "flask-app", WorkloadUid = "uid-1", Revision = revision,
        ToImages = "flask-app=flask-app:" + revision, StartedBy = RolloutRecord.OutsideTheDashboard, StartedAt = DateTime.UtcNow,
    };

    static async Task Act(AuditTrail audit, RolloutCommand command, string message)
    {
        var entry = await audit.BeginAsync("alice", "embedded", command);
        await audit.CompleteAsync(entry, new OperationResult(OperationOutcome.Succeeded, message));
    }

    /// <summary>Waits for the writer (real time: the server is a real process starting).</summary>
    static async Task UntilAsync(Func<bool> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); !condition(); await Task.Delay(100))
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Still waiting for {what}");
    }

    [Fact]
    public async Task While_the_database_is_down_what_happens_is_kept_and_written_in_order_when_it_is_back()
    {
        var (database, audit) = await StartAsync();
        var changes = 0;
        database.Changed += () => Interlocked.Increment(ref changes);
        await Act(audit, new Scale("default", "flask-app", 3), "scaled to 3");

        await _postgres.StopAsync();
        await Act(audit, new SetImage("default", "flask-app", "flask-app", "flask-app:2.0", null), "image set");
        database.Save(Rollout(2));
        var rollout = Rollout(2);
        rollout.Outcome = RolloutOutcome.Complete;
        database.Save(rollout); // replaces the copy waiting: one write of the newest

        Assert.False(database.Status.Saving);
        Assert.Contains("does not answer", database.Status.LastError);
        Assert.Equal(3, database.Status.Pending); // the intent, its outcome, one record

        await _postgres.StartAgainAsync();
        await UntilAsync(() => database.Status is { Saving: true, Pending: 0 }, "the buffer to be written");

        var entries = await database.Store!.AuditAsync();
        Assert.Equal([("SetImage", "Succeeded", "image set"), ("Scale", "Succeeded", "scaled to 3")], entries.Select(e => (e.Action, e.Outcome, e.Message)));
        Assert.Equal(RolloutOutcome.Complete, Assert.Single(await database.Store.RolloutsAsync()).Outcome);
        Assert.Equal(0, database.Status.Dropped);
        Assert.Equal(2, changes); // not saving, saving again
    }

    [Fact]
    public async Task A_database_that_is_not_there_at_start_leaves_the_dashboard_running_and_is_opened_when_it_answers()
    {
        await _postgres.StopAsync();
        var (database, audit) = await StartAsync();
        Assert.Null(database.Store);
        Assert.False(database.Status.Saving);

        await Act(audit, new Restart("default", "flask-app"), "restarted");
        await _postgres.StartAgainAsync();
        await UntilAsync(() => database.Status is { Saving: true, Pending: 0 }, "the store to open");

        var entry = Assert.Single(await database.Store!.AuditAsync());
        Assert.Equal(("alice", "Restart", "restarted"), (entry.Person, entry.Action, entry.Message));
    }

    [Fact]
    public async Task Beyond_the_buffer_the_oldest_is_dropped_and_counted()
    {
        var (database, _) = await StartAsync(capacity: 50);
        await _postgres.StopAsync();
        database.Fail("stopped by the test");

        for (var revision = 1; revision <= 50 + 5; revision++) database.Save(Rollout(revision));

        Assert.Equal((50, 5L), (database.Status.Pending, database.Status.Dropped));
        await _postgres.StartAgainAsync();
        await UntilAsync(() => database.Status is { Saving: true, Pending: 0 }, "the buffer to be written");
        var newest = await database.Store!.RolloutsAsync(take: 1);
        Assert.Equal(50 + 5, Assert.Single(newest).Revision);
        Assert.Equal(50, (await database.Store.RolloutPageAsync(new RolloutQuery())).Total);
    }
}
