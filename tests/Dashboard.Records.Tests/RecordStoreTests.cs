using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dashboard.Records.Tests;

/// <summary>One PostgreSQL server for the whole class; each test has a database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The records on both providers: a SQLite file, and a real PostgreSQL server the tests start themselves.</summary>
public sealed class RecordStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    public static TheoryData<RecordsProvider> Providers => [RecordsProvider.Sqlite, RecordsProvider.Postgres];

    readonly string _dir = Path.Combine(Path.GetTempPath(), "records-tests", Guid.NewGuid().ToString("N"));
    readonly string _database = $"records_{Guid.NewGuid():N}";

    RecordsOptions Options(RecordsProvider provider) => provider == RecordsProvider.Postgres
        ? new RecordsOptions { Provider = provider, ConnectionString = postgres.Server.ConnectionStringFor(_database) }
        : new RecordsOptions { Provider = provider };

    Task<RecordStore> OpenAsync(RecordsProvider provider) => RecordStore.OpenAsync(Options(provider), _dir);

    static RolloutRecord Rollout(string uid, long revision, RolloutOutcome outcome = RolloutOutcome.InProgress, string startedBy = "outside the dashboard",
        string ns = "default", string workload = "flask-app", DateTime? endedAt = null) => new()
    {
        Context = "embedded", Namespace = ns, Kind = "Deployment", Workload = workload, WorkloadUid = uid, Revision = revision, EndedAt = endedAt,
        FromRevision = revision - 1, FromImages = "flask-app=docker.io/library/flask-app:1.0", ToImages = "flask-app=docker.io/library/flask-app:2.0",
        StartedBy = startedBy, StartedAt = new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc).AddMinutes(revision), Outcome = outcome,
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_action_is_written_before_the_call_and_completed_after_it(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        var at = new DateTime(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);

        var id = await store.StartAuditAsync(new AuditEntry { Person = "alice", Action = "SetImage", Context = "embedded", Namespace = "default", Target = "flask-app", Inputs = """{"image":"flask-app:2.0"}""", At = at });
        // A crash here still leaves the intent.
        var intent = Assert.Single(await store.AuditAsync());
        Assert.Null(intent.Outcome);
        Assert.Null(intent.CompletedAt);

        await store.CompleteAuditAsync(id, "Succeeded", "alice set image flask-app=flask-app:2.0", at.AddSeconds(1));
        var done = Assert.Single(await store.AuditAsync());
        Assert.Equal(("Succeeded", "alice set image flask-app=flask-app:2.0", at.AddSeconds(1)), (done.Outcome, done.Message, done.CompletedAt));
        Assert.Equal("""{"image":"flask-app:2.0"}""", done.Inputs);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_rollout_is_recorded_once_however_many_replicas_write_it(RecordsProvider provider)
    {
        var replicaA = await OpenAsync(provider);
        var replicaB = await OpenAsync(provider);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? replicaA : replicaB).UpsertRolloutAsync(Rollout("uid-1", 2))));
        await replicaB.UpsertRolloutAsync(Rollout("uid-1", 2, RolloutOutcome.Complete, endedAt: new DateTime(2026, 12, 2, 10, 5, 0, DateTimeKind.Utc)));

        var record = Assert.Single(await replicaA.RolloutsAsync());
        Assert.Equal(RolloutOutcome.Complete, record.Outcome);
        Assert.Equal(new DateTime(2026, 12, 2, 10, 5, 0, DateTimeKind.Utc), record.EndedAt);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Records_outlive_a_restart_and_are_listed_newest_first_by_namespace(RecordsProvider provider)
    {
        var before = await OpenAsync(provider);
        await before.UpsertRolloutAsync(Rollout("uid-1", 2));
        await before.UpsertRolloutAsync(Rollout("uid-1", 3, startedBy: "alice"));
        await before.UpsertRolloutAsync(Rollout("uid-9", 1, ns: "cloud", workload: "cloud-communal-service"));

        var after = await OpenAsync(provider);

        Assert.Equal([3L, 2L, 1L], (await after.RolloutsAsync()).Select(r => r.Revision));
        Assert.Equal(["alice", "outside the dashboard"], (await after.RolloutsAsync(["default"])).Select(r => r.StartedBy));
        Assert.Equal("cloud-communal-service", Assert.Single(await after.RolloutsAsync(["cloud"])).Workload);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_replica_that_saw_the_change_without_the_action_keeps_the_persons_name(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        await store.UpsertRolloutAsync(Rollout("uid-1", 4, startedBy: "alice"));
        await store.UpsertRolloutAsync(Rollout("uid-1", 4, RolloutOutcome.Complete));

        var record = Assert.Single(await store.RolloutsAsync());
        Assert.Equal(("alice", RolloutOutcome.Complete), (record.StartedBy, record.Outcome));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Records_are_filtered_and_paged_on_the_server_and_the_total_is_counted(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        for (var revision = 1; revision <= 12; revision++)
            await store.UpsertRolloutAsync(Rollout("uid-1", revision, revision % 3 == 0 ? RolloutOutcome.RolledBack : RolloutOutcome.Complete, startedBy: revision % 2 == 0 ? "alice" : "outside the dashboard"));
        await store.UpsertRolloutAsync(Rollout("uid-9", 1, ns: "cloud", workload: "cloud-communal-service"));

        var page = await store.RolloutPageAsync(new RolloutQuery { Namespace = "default", Skip = 2, Take = 3 });
        Assert.Equal(12, page.Total);
        Assert.Equal([10L, 9L, 8L], page.Items.Select(r => r.Revision));
        Assert.All(page.Items, r => Assert.Null(r.SamplesJson));

        var rolledBackByAlice = await store.RolloutPageAsync(new RolloutQuery { Outcome = RolloutOutcome.RolledBack, StartedBy = "alice" });
        Assert.Equal([12L, 6L], rolledBackByAlice.Items.Select(r => r.Revision));

        var window = await store.RolloutPageAsync(new RolloutQuery { Since = new DateTime(2026, 12, 2, 10, 4, 0, DateTimeKind.Utc), Until = new DateTime(2026, 12, 2, 10, 6, 0, DateTimeKind.Utc), Workload = "flask-app" });
        Assert.Equal([5L, 4L], window.Items.Select(r => r.Revision));

        Assert.Equal(0, (await store.RolloutPageAsync(new RolloutQuery { Namespaces = ["kube-system"] })).Total);
        Assert.Equal(7L, Assert.Single((await store.RolloutPageAsync(new RolloutQuery { Revision = 7 })).Items).Revision);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_newest_record_of_each_workload_is_where_a_restart_picks_up(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        await store.UpsertRolloutAsync(Rollout("uid-1", 2, RolloutOutcome.Complete));
        var underWay = Rollout("uid-1", 3);
        underWay.SamplesJson = "[1]";
        await store.UpsertRolloutAsync(underWay);
        await store.UpsertRolloutAsync(Rollout("uid-9", 1, RolloutOutcome.Complete, ns: "cloud", workload: "cloud-communal-service"));
        var elsewhere = Rollout("uid-7", 5);
        elsewhere.Context = "staging";
        await store.UpsertRolloutAsync(elsewhere);

        var latest = await store.LatestRolloutsAsync("embedded");

        Assert.Equal([("uid-1", 3L, "[1]"), ("uid-9", 1L, (string?)null)], latest.OrderBy(r => r.WorkloadUid).Select(r => (r.WorkloadUid, r.Revision, r.SamplesJson)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_entry_buffered_while_the_database_was_away_is_written_with_its_outcome_and_found_as_the_last_action(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        var at = new DateTime(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
        await store.InsertAuditAsync(new AuditEntry { Person = "bob", Action = "SetImage", Namespace = "default", Target = "flask-app", At = at.AddSeconds(-30), Outcome = "Refused", Message = "no" });
        await store.InsertAuditAsync(new AuditEntry { Person = "alice", Action = "Rollback", Namespace = "default", Target = "flask-app", At = at, CompletedAt = at.AddSeconds(1), Outcome = "Succeeded", Message = "rolled back" });

        var last = await store.LastActionAsync("default", "flask-app", ["SetImage", "Rollback"], at.AddMinutes(-2));
        Assert.Equal(("alice", "Succeeded"), (last?.Person, last?.Outcome));
        Assert.Null(await store.LastActionAsync("default", "flask-app", ["SetImage"], at.AddMinutes(-2)));
        Assert.Equal(1, (await store.AuditPageAsync(new AuditQuery { Person = "bob" })).Total);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task What_is_older_than_the_retention_is_deleted(RecordsProvider provider)
    {
        var store = await OpenAsync(provider);
        await store.UpsertRolloutAsync(Rollout("uid-1", 1));
        await store.UpsertRolloutAsync(Rollout("uid-1", 30));

        Assert.Equal(1, await store.PruneAsync(new DateTime(2026, 12, 2, 10, 10, 0, DateTimeKind.Utc)));
        Assert.Equal(30, Assert.Single(await store.RolloutsAsync()).Revision);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_schema_from_a_newer_version_stops_the_start_with_a_clear_message(RecordsProvider provider)
    {
        await OpenAsync(provider);
        const string insert = """INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ('29990101000000_FromTheFuture', '99.0.0')""";
        if (provider == RecordsProvider.Sqlite)
        {
            await using var connection = new SqliteConnection($"Data Source={RecordStore.DefaultSqlitePath(_dir)}");
            await connection.OpenAsync();
            await using var command = new SqliteCommand(insert, connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var connection = new NpgsqlConnection(postgres.Server.ConnectionStringFor(_database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(insert, connection);
            await command.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<RecordsUnavailableException>(() => OpenAsync(provider));
        Assert.Contains("29990101000000_FromTheFuture, from a newer version of the dashboard", refused.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_stops_the_start_and_is_left_as_it_was()
    {
        Directory.CreateDirectory(_dir);
        var file = RecordStore.DefaultSqlitePath(_dir);
        await File.WriteAllTextAsync(file, "these are someone's notes, not a database\n".PadRight(4096, '.'));

        var refused = await Assert.ThrowsAsync<RecordsUnavailableException>(() => OpenAsync(RecordsProvider.Sqlite));

        Assert.Contains($"The records file {file} is not a database", refused.Message);
        Assert.StartsWith("these are someone's notes", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_says_what_to_set()
    {
        var refused = await Assert.ThrowsAsync<RecordsUnavailableException>(() => RecordStore.OpenAsync(new RecordsOptions { Provider = RecordsProvider.Postgres }, _dir));
        Assert.Contains("Records__ConnectionString", refused.Message);
    }

    [Fact]
    public async Task An_unreachable_PostgreSQL_server_stops_the_start_with_its_reason()
    {
        var options = new RecordsOptions { Provider = RecordsProvider.Postgres, ConnectionString = $"Host=127.0.0.1;Port={Ports.Free()};Username=nobody;Database=x;Timeout=3" };
        var refused = await Assert.ThrowsAsync<RecordsUnavailableException>(() => RecordStore.OpenAsync(options, _dir));
        Assert.StartsWith("The records database (PostgreSQL) cannot be opened:", refused.Message);
    }
}
