using Bunit;
using Dashboard.Records;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Records;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>The records pages over a real SQLite file, as the person signed in may see them.</summary>
public sealed class RecordsPagesTests : MudTestContext
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    static readonly DateTime Noon = DateTime.UtcNow.AddHours(-1);

    readonly FakeDashboardClient _client;

    public RecordsPagesTests() => _client = Use(new FakeDashboardClient([], []));

    RecordStore Store => Ctx.Services.GetRequiredService<RecordsDatabase>().Store!;

    static RolloutRecord Rollout(long revision, RolloutOutcome outcome, string ns = "shop", string startedBy = "alice", string? detail = null) => new()
    {
        Context = "embedded", Namespace = ns, Kind = "Deployment", Workload = "web", WorkloadUid = ns + "-web", Revision = revision, FromRevision = revision - 1,
        FromImages = $"web=app:{revision - 1}", ToImages = $"web=app:{revision}", StartedBy = startedBy, StartedAt = Noon.AddMinutes(revision),
        EndedAt = outcome == RolloutOutcome.InProgress ? null : Noon.AddMinutes(revision).AddSeconds(40), Outcome = outcome, OutcomeDetail = detail,
    };

    async Task SeedAsync()
    {
        await Store.UpsertRolloutAsync(Rollout(2, RolloutOutcome.Complete));
        var bad = Rollout(3, RolloutOutcome.RolledBack, detail: "rolled back by revision 4");
        bad.EventsJson = RecordDetails.Write([new RecordedEvent(Noon.AddMinutes(3).AddSeconds(9), "new pod web-7d9-abcde is CrashLoopBackOff", "web-7d9-abcde", "CrashLoopBackOff")]);
        bad.SamplesJson = RecordDetails.Write(Enumerable.Range(0, 5).Select(i => new RecordedSample(Noon.AddMinutes(3).AddSeconds(i), 0, 4, 1, 4, 4)));
        bad.ProbeVerdict = "7 failed requests of 120 during rollout 3";
        (bad.ProbeOk, bad.ProbeFailed) = (113, 7);
        await Store.UpsertRolloutAsync(bad);
        await Store.UpsertRolloutAsync(Rollout(4, RolloutOutcome.Complete, startedBy: "bob"));
        await Store.UpsertRolloutAsync(Rollout(9, RolloutOutcome.Complete, ns: "secret"));
        _client.HiddenNamespaces = ["secret"];
    }

    IRenderedComponent<TPage> Open<TPage>(string url, Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null) where TPage : IComponent
    {
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        return Ctx.Render(parameters ?? (_ => { }));
    }

    [Fact]
    public async Task The_rollouts_page_lists_what_the_person_may_see_newest_first_with_ids_and_outcomes()
    {
        await SeedAsync();

        var page = Open<RolloutsPage>("/rollouts");

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("tr[data-rollout-id]").Count), Wait);
        var rows = page.FindAll("tr[data-rollout-id]");
        Assert.Equal(["Complete", "RolledBack", "Complete"], rows.Select(r => r.GetAttribute("data-outcome")));
        Assert.Contains("rolled back by revision 4", rows[1].TextContent);
        Assert.Equal("bob", rows[0].QuerySelector(".started-by")!.TextContent);
        Assert.DoesNotContain(page.FindAll("tr[data-rollout-id]"), r => r.TextContent.Contains("secret/"));
        Assert.Equal("3", page.Find("[data-total]").GetAttribute("data-total"));
    }

    [Fact]
    public async Task Filters_come_from_the_address_and_a_bad_one_says_what_is_accepted()
    {
        await SeedAsync();

        var rolledBack = Open<RolloutsPage>("/rollouts?outcome=RolledBack&person=alice");
        rolledBack.WaitForAssertion(() => Assert.Equal("RolledBack", Assert.Single(rolledBack.FindAll("tr[data-rollout-id]")).GetAttribute("data-outcome")), Wait);

        var bad = Open<RolloutsPage>("/rollouts?outcome=Exploded");
        bad.WaitForAssertion(() => Assert.Contains("outcome \"Exploded\" is not one of InProgress, Complete, Failed, RolledBack, Superseded, Paused", bad.Find(".records-problem").TextContent), Wait);
        Assert.Empty(bad.FindAll("tr[data-rollout-id]"));
    }

    [Fact]
    public async Task A_record_page_shows_the_images_who_the_probe_the_timeline_and_the_events()
    {
        await SeedAsync();
        var id = (await Store.RolloutPageAsync(new RolloutQuery { Revision = 3 })).Items.Single().Id;

        var page = Open<RolloutRecordPage>($"/rollouts/{id}", p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Equal("RolledBack", page.Find(".record-head").GetAttribute("data-outcome")), Wait);
        Assert.Equal(("web=app:2", "web=app:3", "alice"), (page.Find(".from-images").TextContent, page.Find(".to-images").TextContent, page.Find(".started-by").TextContent));
        Assert.Equal("7", page.Find("[data-probe-failed]").GetAttribute("data-probe-failed"));
        Assert.Equal("5", page.Find("[data-timeline-samples]").GetAttribute("data-timeline-samples"));
        Assert.Contains("new pod web-7d9-abcde is CrashLoopBackOff", page.Find("li[data-reason='CrashLoopBackOff']").TextContent);
    }

    [Fact]
    public async Task A_record_in_a_namespace_the_person_may_not_see_is_not_there()
    {
        await SeedAsync();
        var id = (await Store.RolloutPageAsync(new RolloutQuery { Namespace = "secret" })).Items.Single().Id;

        var page = Open<RolloutRecordPage>($"/rollouts/{id}", p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Contains($"There is no rollout record {id}", page.Find(".records-problem").TextContent), Wait);
        Assert.Empty(page.FindAll(".record-head"));
    }

    [Fact]
    public async Task The_audit_page_shows_an_action_that_never_returned_as_unfinished()
    {
        var database = Ctx.Services.GetRequiredService<RecordsDatabase>();
        var audit = Ctx.Services.GetRequiredService<AuditTrail>();
        var done = await audit.BeginAsync("alice", "embedded", new Dashboard.Web.Model.Scale("shop", "web", 3));
        await audit.CompleteAsync(done, new Dashboard.ClusterServices.Operations.OperationResult(Dashboard.ClusterServices.Operations.OperationOutcome.Succeeded, "scaled web to 3"));
        await audit.BeginAsync("bob", "embedded", new Dashboard.Web.Model.Rollback("shop", "web", 2)); // the dashboard stopped during the call
        Assert.True(database.Status.Saving);

        var page = Open<AuditPage>("/audit");

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tr[data-audit-id]").Count), Wait);
        Assert.Equal(["Unfinished", "Succeeded"], page.FindAll("tr[data-audit-id]").Select(r => r.GetAttribute("data-outcome")));
        Assert.Contains("scaled web to 3", page.FindAll("tr[data-audit-id]")[1].TextContent);
        Assert.Contains("\"replicas\":3", page.FindAll("tr[data-audit-id]")[1].QuerySelector(".inputs")!.TextContent);
    }

    [Fact]
    public async Task Insights_count_the_failure_rate_and_the_time_to_restore()
    {
        await SeedAsync();

        var page = Open<InsightsPage>("/insights?since=7d");

        page.WaitForAssertion(() => Assert.Equal("3", page.Find("[data-insights-rollouts]").GetAttribute("data-insights-rollouts")), Wait);
        Assert.Contains("33", page.Find("[data-insight='change-failure-rate'] .insight-value").TextContent);
        Assert.Contains("1m", page.Find("[data-insight='time-to-restore'] .insight-value").TextContent); // from revision 3 starting to revision 4 complete: 1m 40s
    }
}

/// <summary>The banner when the records database is not there: the dashboard goes on, and says so.</summary>
public sealed class RecordsBannerTests : MudTestContext
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_banner_says_records_are_not_being_saved_while_the_database_is_away()
    {
        var away = new RecordsDatabase(
            Microsoft.Extensions.Options.Options.Create(new RecordsOptions { Provider = RecordsProvider.Postgres, ConnectionString = $"Host=127.0.0.1;Port={Dashboard.Testing.Ports.Free()};Username=x;Database=x;Timeout=2" }),
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<RecordsDatabase>.Instance);
        await away.StartAsync(CancellationToken.None);
        Ctx.Services.AddSingleton(away);
        Use(new FakeDashboardClient([], []));

        var banner = Ctx.Render<RecordsBanner>();

        Assert.Contains("Records are not being saved: The records database (PostgreSQL) cannot be opened", banner.Find("[data-records='NotSaving']").TextContent);
        Assert.Contains("The dashboard works as before", banner.Markup);
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("/rollouts");
        var rollouts = Ctx.Render<RolloutsPage>();
        rollouts.WaitForAssertion(() => Assert.StartsWith("Records are not available:", rollouts.Find(".records-problem").TextContent), Wait);
        await away.StopAsync(CancellationToken.None);
    }
}
