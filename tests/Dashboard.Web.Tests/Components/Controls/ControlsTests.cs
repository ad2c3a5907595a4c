using Bunit;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using static Dashboard.Web.Tests.FakeDashboardClient;

namespace Dashboard.Web.Tests;

/// <summary>The building blocks of the pages, each on its own.</summary>
public sealed class ControlsTests : MudTestContext
{
    public ControlsTests() => Use(new FakeDashboardClient([], []));

    [Theory]
    [InlineData(RolloutPhase.Complete, "mud-chip-color-success")]
    [InlineData(RolloutPhase.Progressing, "mud-chip-color-info")]
    [InlineData(RolloutPhase.Paused, "mud-chip-color-warning")]
    [InlineData(RolloutPhase.Failed, "mud-chip-color-error")]
    [InlineData(RolloutPhase.Stuck, "mud-chip-color-error")]
    public void A_rollout_chip_names_its_phase_in_its_colour(RolloutPhase phase, string colour)
    {
        var chip = Ctx.Render<RolloutChip>(p => p.Add(x => x.State, new RolloutState(phase, "message")));

        var element = chip.Find("[data-rollout-state]");
        Assert.Equal(phase.ToString(), element.GetAttribute("data-rollout-state"));
        Assert.Contains(colour, element.ClassName);
        Assert.Contains(phase.ToString(), element.TextContent);
    }

    [Theory]
    [InlineData("Running", true, "ready")]
    [InlineData("Running", false, "starting")]
    [InlineData("Pending", false, "pending")]
    [InlineData("ContainerCreating", false, "creating")]
    [InlineData("Terminating", true, "terminating")]
    [InlineData("CrashLoopBackOff", false, "crash")]
    [InlineData("ImagePullBackOff", false, "image")]
    [InlineData("ErrImagePull", false, "image")]
    [InlineData("InvalidImageName", false, "image")]
    [InlineData("Completed", false, "completed")]
    [InlineData("Init:0/1", false, "other")]
    public void A_pod_status_shows_kubectls_text_with_a_look_for_its_kind(string status, bool ready, string kind)
    {
        var cut = Ctx.Render(builder => builder.AddMarkupContent(0, PodStatus.Markup(status, ready)));

        Assert.Contains($"pod-status-{kind}", cut.Find(".pod-status").ClassName);
        Assert.Contains(status, cut.Find(".pod-status").TextContent);
    }

    [Fact]
    public void Replicaset_bars_flag_a_budget_that_is_exceeded()
    {
        var d = Deployment("shop", "web", uid: "u");
        var bars = new[] { new ReplicaSetBar(ReplicaSet(d, "web-new", 2, "app:2", 3, ready: 1), true) };
        var cut = Ctx.Render<ReplicaSetBars>(p => p
            .Add(x => x.Bars, bars)
            .Add(x => x.Budget, new RolloutBudget(Desired: 4, MaxSurge: 1, MaxUnavailable: 0, TotalPods: 5, Available: 2)));

        Assert.Contains("Surge 1 of 1 extra pods", cut.Find("[data-budget='surge']").TextContent);
        Assert.DoesNotContain("over", cut.Find("[data-budget='surge']").ClassName);
        Assert.Contains("over", cut.Find("[data-budget='unavailable']").ClassName);
        Assert.Contains("Unavailable 2 of 0 allowed", cut.Find("[data-budget='unavailable']").TextContent);
    }

    [Fact]
    public void A_long_pod_list_is_virtualised_and_a_short_one_is_not()
    {
        PodRow Row(int i) => new(Pod("shop", $"web-{i:D4}", "web", "app:1", "Running", ready: true, replicaSet: "web-x"), 1, true);

        var shortList = Ctx.Render<PodTable>(p => p.Add(x => x.Pods, Enumerable.Range(0, PodTable.VirtualizeAbove).Select(Row).ToList()));
        var longList = Ctx.Render<PodTable>(p => p.Add(x => x.Pods, Enumerable.Range(0, 2000).Select(Row).ToList()));

        Assert.Equal(PodTable.VirtualizeAbove, shortList.FindAll("tr[data-pod]").Count);
        Assert.True(longList.FindAll("tr[data-pod]").Count < 200, "only the visible rows (and some overscan) are in the DOM");
    }

    [Fact]
    public void An_empty_pod_list_says_so()
    {
        var cut = Ctx.Render<PodTable>(p => p.Add(x => x.Pods, Array.Empty<PodRow>()));

        Assert.Contains("No pods.", cut.Find("td.empty").TextContent);
    }

    [Fact]
    public void A_diff_marks_added_and_removed_lines()
    {
        var cut = Ctx.Render<DiffView>(p => p.Add(x => x.Diff, "  spec:\n-   image: a:1\n+   image: a:2"));

        Assert.Equal(["same", "removed", "added"], cut.FindAll("pre.diff span").Select(s => s.ClassName));
    }

    [Fact]
    public void Events_and_history_say_when_there_is_nothing_to_show()
    {
        var events = Ctx.Render<EventList>(p => p.Add(x => x.Events, Array.Empty<EventView>()));
        var history = Ctx.Render<HistoryTable>(p => p
            .Add(x => x.Rows, Array.Empty<HistoryRow>())
            .Add(x => x.LoadDiff, _ => Task.FromResult(new OperationResult(OperationOutcome.Succeeded, ""))));

        Assert.Contains("No recent events.", events.Markup);
        Assert.Contains("No rollout history found.", history.Markup);
    }

    [Fact]
    public void History_says_who_changed_each_revision_and_the_person_behind_the_dashboards_own_change()
    {
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 2, TimeSpan.Zero);
        var rows = new[]
        {
            new HistoryRow(3, "web-3", [], null, at, true, new TemplateChange("rollout-dashboard", "Update", at)),
            new HistoryRow(2, "web-2", [], null, at, false, new TemplateChange("kubectl-set", "Update", at)),
            new HistoryRow(1, "web-1", [], null, at, false),
        };
        var history = Ctx.Render<HistoryTable>(p => p
            .Add(x => x.Rows, rows)
            .Add(x => x.StartedBy, revision => revision == 3 ? "alice" : null)
            .Add(x => x.LoadDiff, _ => Task.FromResult(new OperationResult(OperationOutcome.Succeeded, ""))));

        Assert.Equal(["rollout-dashboard (alice)", "kubectl-set", ""], history.FindAll("td.changed-by").Select(c => c.GetAttribute("data-changed-by")));
        Assert.Equal("—", history.FindAll("td.changed-by")[2].TextContent);
    }

    [Fact]
    public void Cluster_text_is_shown_as_text_never_as_markup()
    {
        var evil = Event("shop", "Deployment", "web", "Hacked", "<script>alert(1)</script><img src=x onerror=alert(2)>");
        var cut = Ctx.Render<EventList>(p => p.Add(x => x.Events, new[] { evil }));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Contains("<script>alert(1)</script>", cut.Find(".event-message").TextContent);
    }
}
