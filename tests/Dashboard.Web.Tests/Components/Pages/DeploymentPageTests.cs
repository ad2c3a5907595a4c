using Bunit;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Components.Pages;
using static Dashboard.Web.Tests.FakeDashboardClient;

namespace Dashboard.Web.Tests;

/// <summary>The deployment page as an operator uses it, over a fake service layer and MudBlazor's real dialogs.</summary>
public sealed class DeploymentPageTests : MudTestContext
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    static DeploymentView Web(bool paused = false, params ContainerImage[] containers) =>
        Deployment("shop", "web", replicas: 4, updated: 2, available: 3, image: "app:3", paused: paused, progressReason: "ReplicaSetUpdated", uid: "web-uid", revision: "3", maxSurge: 1, maxUnavailable: 1, containers: containers);

    FakeDashboardClient Arrange(DeploymentView? deployment = null, params PodView[] pods)
    {
        var d = deployment ?? Web();
        ReplicaSetView[] sets =
        [
            ReplicaSet(d, "web-new", 3, "app:3", 2, ready: 1, changeCause: "ship v3"),
            ReplicaSet(d, "web-old", 2, "app:2", 3, changeCause: "ship v2"),
            ReplicaSet(d, "web-first", 1, "app:1", 0),
            ReplicaSet(Deployment("shop", "other", uid: "other-uid"), "other-x", 1, "other:1", 2),
        ];
        EventView[] events =
        [
            Event("shop", "Deployment", "web", "ScalingReplicaSet", "Scaled up replica set web-new from 1 to 2", 5),
            Event("shop", "Pod", "web-new-bcdfg", "BackOff", "Back-off pulling image", 2, "Warning"),
            Event("shop", "Pod", "other-x-zzzzz", "Pulled", "not ours", 1),
        ];
        return Use(new FakeDashboardClient([d, Deployment("shop", "other", uid: "other-uid")], pods, sets, events));
    }

    IRenderedComponent<DeploymentPage> Open(string ns = "shop", string name = "web") =>
        Ctx.Render<DeploymentPage>(p => p.Add(x => x.Namespace, ns).Add(x => x.Name, name));

    [Fact]
    public void The_guard_card_shows_the_Deployments_guard_and_what_it_did_and_saves_a_new_one_as_annotations()
    {
        var client = Arrange(Web() with { Guard = Dashboard.ClusterServices.Guard.GuardPolicy.Parse("rollback", "0.05", "30") });
        client.GuardActions.Add(new Dashboard.ClusterServices.Guard.GuardAction("shop", "web", "web-uid", 3, Dashboard.ClusterServices.Guard.GuardMode.Rollback, 2,
            "7 of 120 requests failed, 5.8% > 5%", "guard rolled back web to revision 2: 7 of 120 requests failed, 5.8% > 5%", DateTimeOffset.UtcNow, OperationOutcome.Succeeded, "ok"));

        var page = Open();

        page.WaitForAssertion(() => Assert.Equal("Rollback", page.Find(".guard-panel").GetAttribute("data-guard")), Wait);
        Assert.Contains("Guarded (roll back): when more than 5% of probe requests fail, new pods are stuck or not ready for 30 s", page.Find(".guard-policy").TextContent);
        Assert.Contains("guard rolled back web to revision 2: 7 of 120 requests failed, 5.8% > 5%", page.Find(".guard-card [data-guard-action]").TextContent);

        page.Find(".guard-seconds input").Change("45");
        page.Find(".guard-save").Click();

        page.WaitForAssertion(() => Assert.Contains("SetGuard shop/web Rollback 0.05 45", client.Calls), Wait);
    }

    [Fact]
    public void The_header_resolves_the_strategy_to_pod_counts_and_shows_the_kubectl_status_line()
    {
        Arrange();
        var page = Open();

        Assert.Contains("maxSurge 25% = 1 pod, maxUnavailable 25% = 1 pod", page.Find(".strategy").TextContent);
        Assert.Equal("0", page.Find(".min-ready").TextContent.Trim());
        Assert.Equal("Waiting for deployment \"web\" rollout to finish: 2 out of 4 new replicas have been updated...", page.Find("[data-status-line]").TextContent.Trim());
        Assert.NotNull(page.Find("[data-condition='Progressing']"));
        Assert.Equal("Progressing", page.Find(".deployment-header").GetAttribute("data-state"));
    }

    [Fact]
    public void The_new_and_old_replicasets_are_bars_and_retired_ones_are_not()
    {
        Arrange();
        var page = Open();

        var bars = page.FindAll(".rs-bar").Select(b => (b.GetAttribute("data-replicaset"), b.ClassList.Contains("new"))).ToList();
        Assert.Equal([("web-new", true), ("web-old", false)], bars);
        Assert.Contains("desired 2 · current 2 · ready 1 · available 1", page.Find("[data-replicaset='web-new'] .rs-counts").TextContent);
    }

    [Fact]
    public void Every_pod_state_an_operator_must_tell_apart_looks_different()
    {
        Arrange(null,
            Pod("shop", "web-new-a", "web", "app:3", "Running", ready: true, replicaSet: "web-new"),
            Pod("shop", "web-new-b", "web", "app:3", "Pending", replicaSet: "web-new"),
            Pod("shop", "web-new-c", "web", "app:3", "ContainerCreating", replicaSet: "web-new"),
            Pod("shop", "web-new-d", "web", "app:3", "CrashLoopBackOff", replicaSet: "web-new"),
            Pod("shop", "web-new-e", "web", "app:3", "ImagePullBackOff", replicaSet: "web-new"),
            Pod("shop", "web-old-f", "web", "app:2", "Terminating", ready: true, replicaSet: "web-old", terminating: true),
            Pod("shop", "other-x-g", "other", "other:1", "Running", ready: true, replicaSet: "other-x"));
        var page = Open();

        Assert.Empty(page.FindAll("[data-pod='other-x-g']"));
        var kinds = new Dictionary<string, string>();
        foreach (var row in page.FindAll("tr[data-pod]"))
        {
            var status = row.GetAttribute("data-status")!;
            kinds[status] = row.QuerySelector(".pod-status")!.ClassName!;
            Assert.Contains(status, row.TextContent);
        }
        Assert.Equal(6, kinds.Count);
        Assert.Equal(6, kinds.Values.Distinct().Count());
        Assert.Equal("true", page.Find("[data-pod='web-new-a']").GetAttribute("data-ready"));
        Assert.Equal("false", page.Find("[data-pod='web-new-b']").GetAttribute("data-ready"));
        Assert.Contains("3", page.Find("[data-pod='web-new-a'] .revision-tag").TextContent);
        Assert.Contains("2", page.Find("[data-pod='web-old-f'] .revision-tag").TextContent);
        Assert.Equal("Stuck", page.Find(".deployment-header").GetAttribute("data-state"));
    }

    [Fact]
    public void A_pod_is_the_Deployments_when_its_ReplicaSet_owns_it_never_by_its_name()
    {
        Arrange(null,
            Pod("shop", "web-new-a", "web", "app:3", "Running", ready: true, replicaSet: "web-new"),
            // Named after web's ReplicaSet and labelled app=web, but other's ReplicaSet made it.
            Pod("shop", "web-new-zzzzz", "web", "app:3", "CrashLoopBackOff", replicaSet: "other-x"),
            // Adopted by web's ReplicaSet under a name of its own.
            Pod("shop", "hand-made", "web", "app:3", "Running", ready: true, replicaSet: "web-new"));
        var page = Open();

        Assert.Empty(page.FindAll("[data-pod='web-new-zzzzz']"));
        Assert.NotNull(page.Find("[data-pod='hand-made']"));
        Assert.Equal("Progressing", page.Find(".deployment-header").GetAttribute("data-state"));
    }

    [Fact]
    public void Pods_appear_change_and_leave_as_the_cluster_reports_them()
    {
        var client = Arrange(null, Pod("shop", "web-old-a", "web", "app:2", "Running", ready: true, replicaSet: "web-old"));
        var page = Open();

        client.Pods.Push(new Change<PodView>(ChangeKind.Upsert, "shop/web-new-z", Pod("shop", "web-new-z", "web", "app:3", "ContainerCreating", replicaSet: "web-new")));
        page.WaitForAssertion(() => Assert.Equal("ContainerCreating", page.Find("[data-pod='web-new-z']").GetAttribute("data-status")), Wait);

        client.Pods.Push(
            new Change<PodView>(ChangeKind.Upsert, "shop/web-new-z", Pod("shop", "web-new-z", "web", "app:3", "Running", ready: true, replicaSet: "web-new")),
            new Change<PodView>(ChangeKind.Upsert, "shop/web-old-a", Pod("shop", "web-old-a", "web", "app:2", "Terminating", ready: true, replicaSet: "web-old", terminating: true)));
        page.WaitForAssertion(() =>
        {
            Assert.Equal("true", page.Find("[data-pod='web-new-z']").GetAttribute("data-ready"));
            Assert.Equal("Terminating", page.Find("[data-pod='web-old-a']").GetAttribute("data-status"));
        }, Wait);

        client.Pods.Push(new Change<PodView>(ChangeKind.Delete, "shop/web-old-a", Pod("shop", "web-old-a", "web", "app:2", "Terminating", replicaSet: "web-old")));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-pod='web-old-a']")), Wait);
    }

    [Fact]
    public async Task A_hundred_pod_changes_a_second_cost_only_a_few_renders()
    {
        var client = Arrange();
        var page = Open();
        var before = page.Instance.Renders;

        for (var i = 0; i < 120; i++)
        {
            client.Pods.Push(new Change<PodView>(ChangeKind.Upsert, $"shop/web-new-{i}", Pod("shop", $"web-new-{i}", "web", "app:3", "Pending", replicaSet: "web-new")));
            if (i % 12 == 0) await Task.Delay(100);
        }
        page.WaitForAssertion(() => Assert.Equal(120, page.FindAll("tr[data-pod]").Count), Wait);

        // About a second of churn: the 250 ms render interval allows a handful, not one per change.
        Assert.InRange(page.Instance.Renders - before, 1, 10);
    }

    [Fact]
    public void History_has_a_row_per_revision_with_change_causes_and_roll_back_only_on_older_ones()
    {
        Arrange();
        var page = Open();

        Assert.Equal(["3", "2", "1"], page.FindAll("tr[data-revision]").Select(r => r.GetAttribute("data-revision")));
        var current = page.Find("tr[data-revision='3']");
        Assert.Contains("current", current.TextContent);
        Assert.Contains("ship v3", current.TextContent);
        Assert.Empty(current.QuerySelectorAll(".rollback-button"));
        Assert.Contains("<none>", page.Find("tr[data-revision='1'] .change-cause").TextContent);
        Assert.NotNull(page.Find("tr[data-revision='2'] .rollback-button"));
    }

    [Fact]
    public void A_diff_of_any_older_revision_opens_in_its_row()
    {
        Arrange();
        var page = Open();

        page.Find("tr[data-revision='1'] .diff-button").Click();

        page.WaitForAssertion(() => Assert.Contains("+     image: app:1", page.Find("[data-diff-revision='1'] pre.diff .added").TextContent), Wait);
        Assert.Contains("image: app:2", page.Find("[data-diff-revision='1'] pre.diff .removed").TextContent);
    }

    [Fact]
    public void Events_of_the_deployment_its_replicasets_and_pods_are_listed_newest_first()
    {
        Arrange();
        var page = Open();

        Assert.Equal(["BackOff", "ScalingReplicaSet"], page.FindAll("[data-event-reason]").Select(e => e.GetAttribute("data-event-reason")));
    }

    [Fact]
    public void Set_image_has_labelled_fields_refuses_a_malformed_reference_and_sends_a_valid_one_with_its_change_cause()
    {
        var client = Arrange();
        var page = Open();

        page.Find("[data-action='set-image']").Click();
        var dialog = DialogHost.Find("[data-dialog='set-image']");
        var labels = DialogHost.FindAll("label").Select(l => l.TextContent.Trim()).ToList();
        Assert.Contains("Image", labels);
        Assert.Contains("Change cause", labels);
        Assert.DoesNotContain("Container", labels);
        Assert.Contains("1 pod above 4 at most and 1 pod unavailable at most", dialog.TextContent);

        DialogHost.Find(".image-field input").Input("app:3 with spaces");
        DialogHost.WaitForAssertion(() => Assert.True(DialogHost.Find("button.confirm").HasAttribute("disabled")));
        Assert.Contains("image", DialogHost.Find(".image-field").TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(DialogHost.Find(".image-field .mud-input-error"));

        DialogHost.Find(".image-field input").Input("app:4");
        DialogHost.Find(".change-cause-field input").Input("ship v4");
        DialogHost.WaitForAssertion(() => Assert.False(DialogHost.Find("button.confirm").HasAttribute("disabled")));
        DialogHost.Find("button.confirm").Click();

        Assert.Equal(["SetImage shop/web -=app:4 cause=ship v4"], client.Calls);
        page.WaitForAssertion(() => Assert.Contains("Done: SetImage", page.Find(".operation-result").TextContent), Wait);
        Assert.Equal("alert", page.Find(".operation-result").GetAttribute("role"));
        Assert.Empty(DialogHost.FindAll("[data-dialog]"));
    }

    [Fact]
    public void Set_image_asks_which_container_when_there_are_several()
    {
        var client = Arrange(Web(containers: [new ContainerImage("web", "app:3"), new ContainerImage("sidecar", "proxy:1")]));
        var page = Open();

        page.Find("[data-action='set-image']").Click();

        Assert.Contains("Container", DialogHost.FindAll("label").Select(l => l.TextContent.Trim()));
        DialogHost.Find(".image-field input").Input("app:4");
        DialogHost.Find("button.confirm").Click();
        Assert.Equal(["SetImage shop/web web=app:4 cause=-"], client.Calls);
    }

    [Fact]
    public void A_refusal_stays_in_the_dialog_with_what_was_typed()
    {
        var client = Arrange();
        client.Respond = _ => Task.FromResult(new OperationResult(OperationOutcome.Refused, "admission webhook denied the image"));
        var page = Open();

        page.Find("[data-action='set-image']").Click();
        DialogHost.Find(".image-field input").Input("app:9");
        DialogHost.Find("button.confirm").Click();

        DialogHost.WaitForAssertion(() => Assert.Contains("admission webhook denied the image", DialogHost.Find("[role='alert']").TextContent), Wait);
        Assert.Equal("app:9", DialogHost.Find(".image-field input").GetAttribute("value"));
        Assert.Empty(page.FindAll(".operation-result"));
    }

    [Fact]
    public void Buttons_are_disabled_while_the_action_runs()
    {
        var client = Arrange();
        var release = new TaskCompletionSource<OperationResult>();
        client.Respond = _ => release.Task;
        var page = Open();

        page.Find("[data-action='restart']").Click();
        Assert.Contains("Replaces every pod of web", DialogHost.Find("[data-dialog='restart']").TextContent);
        DialogHost.Find("button.confirm").Click();

        DialogHost.WaitForAssertion(() =>
        {
            Assert.True(DialogHost.Find("button.confirm").HasAttribute("disabled"));
            Assert.True(DialogHost.Find("button.cancel").HasAttribute("disabled"));
        });
        Assert.True(page.Find("[data-action='set-image']").HasAttribute("disabled"));

        release.SetResult(new OperationResult(OperationOutcome.Succeeded, "Restarted web"));
        page.WaitForAssertion(() => Assert.False(page.Find("[data-action='set-image']").HasAttribute("disabled")), Wait);
        Assert.Equal(["Restart shop/web"], client.Calls);
    }

    [Fact]
    public void Cancel_changes_nothing()
    {
        var client = Arrange();
        var page = Open();

        page.Find("[data-action='pause']").Click();
        DialogHost.Find("button.cancel").Click();

        Assert.Empty(client.Calls);
        Assert.Empty(DialogHost.FindAll("[data-dialog]"));
        Assert.Empty(page.FindAll(".operation-result"));
    }

    [Fact]
    public void Pause_and_resume_each_confirm_what_they_do()
    {
        var client = Arrange();
        var page = Open();

        page.Find("[data-action='pause']").Click();
        Assert.Contains("recorded but not rolled out", DialogHost.Find("[data-dialog='pause']").TextContent);
        DialogHost.Find("button.confirm").Click();
        Assert.Equal(["Pause shop/web"], client.Calls);

        client.Deployments.Push(new Change<DeploymentView>(ChangeKind.Upsert, "shop/web", Web(paused: true)));
        page.WaitForAssertion(() => page.Find("[data-action='resume']").Click(), Wait);
        DialogHost.Find("button.confirm").Click();
        Assert.Equal(["Pause shop/web", "Resume shop/web"], client.Calls);
    }

    [Fact]
    public void A_paused_deployment_explains_why_roll_back_and_restart_are_unavailable()
    {
        Arrange(Web(paused: true));
        var page = Open();

        Assert.Empty(page.FindAll("[data-action='pause']"));
        Assert.NotNull(page.Find("[data-action='resume']"));
        Assert.True(page.Find("[data-action='restart']").HasAttribute("disabled"));
        Assert.All(page.FindAll(".rollback-button"), b => Assert.True(b.HasAttribute("disabled")));
        Assert.Contains("Roll back and Restart are unavailable until it is resumed", page.Find(".paused-explanation").TextContent);
    }

    [Fact]
    public void Roll_back_shows_the_diff_and_rolls_back_to_that_revision_on_confirm()
    {
        var client = Arrange();
        var page = Open();

        page.Find("tr[data-revision='1'] .rollback-button").Click();

        var dialog = DialogHost.Find("[data-dialog='rollback']");
        Assert.Contains("back to revision 1 (app:1)", dialog.TextContent);
        DialogHost.WaitForAssertion(() => Assert.Contains("image: app:1", DialogHost.Find("pre.diff .added").TextContent));
        DialogHost.Find("button.confirm").Click();

        Assert.Equal(["Rollback shop/web 1"], client.Calls);
        page.WaitForAssertion(() => Assert.Equal("Succeeded", page.Find(".operation-result").GetAttribute("data-outcome")), Wait);
    }

    [Fact]
    public void Scale_refuses_a_negative_count_and_sends_a_valid_one()
    {
        var client = Arrange();
        var page = Open();

        page.Find("[data-action='scale']").Click();
        DialogHost.Find(".replicas-field input").Input("-3");
        DialogHost.WaitForAssertion(() => Assert.True(DialogHost.Find("button.confirm").HasAttribute("disabled")));
        Assert.Contains("between 0 and 10000", DialogHost.Find(".replicas-field").TextContent);

        DialogHost.Find(".replicas-field input").Input("7");
        DialogHost.WaitForAssertion(() => Assert.Contains("from 4 pods to 7 pods", DialogHost.Find(".dialog-message").TextContent));
        DialogHost.Find("button.confirm").Click();

        Assert.Equal(["Scale shop/web 7"], client.Calls);
    }

    [Theory]
    [InlineData("shop", "Web_Server")]
    [InlineData("shop", "a..b")]
    [InlineData("Shop", "web")]
    public void A_name_that_cannot_exist_is_refused_without_asking_the_cluster(string ns, string name)
    {
        var client = Arrange();
        var page = Open(ns, name);

        Assert.Equal("alert", page.Find(".mud-alert").GetAttribute("role"));
        Assert.Contains("is not a", page.Find(".mud-alert").TextContent);
        Assert.Equal(0, client.Deployments.Subscribed + client.Pods.Subscribed);
    }

    [Fact]
    public void A_deployment_that_does_not_exist_says_so_and_appears_when_created()
    {
        var client = Arrange();
        var page = Open("shop", "later");

        Assert.Contains("was not found in namespace \"shop\"", page.Find("[data-missing]").TextContent);

        client.Deployments.Push(new Change<DeploymentView>(ChangeKind.Upsert, "shop/later", Deployment("shop", "later")));
        page.WaitForAssertion(() => Assert.NotNull(page.Find(".deployment-header")), Wait);
    }

    [Fact]
    public async Task Leaving_the_page_releases_every_feed()
    {
        var client = Arrange();
        var page = Open();

        await page.Instance.DisposeAsync();

        Assert.True(client.Deployments.Disposed && client.Pods.Disposed && client.ReplicaSets.Disposed && client.Events.Disposed);
    }

    static readonly SafetyReport Risky = new(OperationOutcome.Succeeded, "2 risks", [
        new Risk("all-pods-unavailable", RiskLevel.High, "replicas: 1 with maxUnavailable ≥ 1: the only pod may stop first", "why", "spec:\n  strategy: {}"),
        new Risk("default-progress-deadline", RiskLevel.Low, "progressDeadlineSeconds is the default 600", "why", "spec:\n  progressDeadlineSeconds: 120"),
    ]);

    [Fact]
    public void The_safety_check_lists_every_risk_with_why_and_the_yaml_that_fixes_it()
    {
        var client = Arrange();
        client.Safety = Risky;
        var page = Open();

        page.WaitForAssertion(() => Assert.Equal(["all-pods-unavailable", "default-progress-deadline"], page.FindAll(".safety-card [data-risk]").Select(r => r.GetAttribute("data-risk"))), Wait);
        Assert.Contains("progressDeadlineSeconds: 120", page.Find("[data-risk='default-progress-deadline'] pre.risk-fix").TextContent);
    }

    [Fact]
    public void Set_image_and_restart_show_the_serious_risks_before_confirm()
    {
        var client = Arrange();
        client.Safety = Risky;
        var page = Open();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll(".safety-card [data-risk]")), Wait);

        page.Find("[data-action='set-image']").Click();
        Assert.Equal(["all-pods-unavailable"], DialogHost.FindAll("[data-dialog='set-image'] [data-risk]").Select(r => r.GetAttribute("data-risk")));
        DialogHost.Find("button.cancel").Click();

        page.Find("[data-action='restart']").Click();
        Assert.Equal(["all-pods-unavailable"], DialogHost.FindAll("[data-dialog='restart'] [data-risk]").Select(r => r.GetAttribute("data-risk")));
    }

    [Fact]
    public void A_deployment_without_risks_says_so()
    {
        Arrange();
        var page = Open();

        page.WaitForAssertion(() => Assert.Contains("No known risks", page.Find("[data-safety='clear']").TextContent), Wait);
    }

    [Fact]
    public void The_traffic_probe_starts_from_the_page_and_shows_what_users_saw_per_rollout()
    {
        var client = Arrange();
        var page = Open();

        page.Find("[data-action='probe-start']").Click();
        Assert.Contains("StartProbe shop/web", client.Calls);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-action='probe-stop']")), Wait);

        var now = DateTimeOffset.UtcNow;
        client.SetProbe(new ProbeSnapshot("shop", "web", "web-svc", "http://127.0.0.1:1/", 10, true, null, now.AddSeconds(-3), 25, 3,
            [
                new ProbeSecond(now.AddSeconds(-2), 9, 1, 2, 5, new Dictionary<string, int> { ["Hello v2!"] = 9 }, "3", true),
                new ProbeSecond(now.AddSeconds(-1), 8, 2, 2, 5, new Dictionary<string, int> { ["Hello v3!"] = 8 }, "3", true),
            ],
            [new ProbeFailure(now, "502 pod web-old-x did not answer: it is terminating and has no preStop hook")],
            [new RolloutVerdict("2", 100, 0), new RolloutVerdict("3", 17, 3)]));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("3", page.Find("[data-probe-failed]").GetAttribute("data-probe-failed"));
            Assert.Contains("no failed requests during rollout 2", page.Find("[data-verdict-revision='2']").TextContent);
            Assert.Contains("3 failed requests of 20 during rollout 3", page.Find("[data-verdict-revision='3']").TextContent);
            Assert.NotNull(page.Find("[data-answer='Hello v3!']"));
            Assert.Contains("no preStop hook", page.Find(".probe-failures").TextContent);
        }, Wait);

        page.Find("[data-action='probe-stop']").Click();
        page.WaitForAssertion(() => Assert.Contains("StopProbe shop/web", client.Calls), Wait);
    }

    [Fact]
    public void The_rollout_timeline_charts_the_rollouts_recorded_and_follows_a_new_one()
    {
        var client = Arrange();
        var page = Open();
        Assert.Contains("No rollout recorded yet", page.Find(".rollout").TextContent);

        var start = DateTimeOffset.UtcNow.AddSeconds(-10);
        client.AddTimeline(new RolloutTimeline("shop", "web", "3", start, null, RolloutPhase.Progressing,
            [new TimelineSample(start, 0, 4, 0, 4, 4), new TimelineSample(start.AddSeconds(1), 1, 3, 1, 3, 4), new TimelineSample(start.AddSeconds(2), 2, 2, 1, 4, 4)]));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("3", page.Find("[data-timeline-revision]").GetAttribute("data-timeline-revision"));
            Assert.NotNull(page.Find("[data-chart='timeline'] svg"));
            Assert.Contains("fewest serving endpoints: 3", page.Find(".timeline").TextContent);
        }, Wait);
    }

    [Fact]
    public void A_person_the_cluster_does_not_allow_to_change_the_deployment_sees_it_read_only_with_the_reason()
    {
        var client = Arrange();
        client.Forbidden = "vera may not patch deployments in namespace shop (the cluster's RBAC decides; ask for a RoleBinding).";
        var page = Open();

        foreach (var action in new[] { "set-image", "pause", "restart", "scale" })
            Assert.True(page.Find($"[data-action='{action}']").HasAttribute("disabled"), action);
        Assert.All(page.FindAll(".rollback-button"), b => Assert.True(b.HasAttribute("disabled")));
        Assert.Contains("vera may not patch deployments", page.Find(".forbidden-explanation").TextContent);
        // The probe runs as the dashboard: starting it takes the same right, and the button says why not.
        var probe = page.Find("[data-action='probe-start']");
        Assert.True(probe.HasAttribute("disabled"));
        Assert.Contains("vera may not patch deployments", probe.ParentElement!.GetAttribute("title"));
    }

    [Fact]
    public void A_namespace_the_person_may_not_see_is_not_shown()
    {
        var client = Arrange();
        client.HiddenNamespaces = ["shop"];
        var page = Open();

        Assert.Contains("may not see deployments in namespace", page.Find("[role='alert']").TextContent);
        Assert.Empty(page.FindAll("[data-pod]"));
    }
}
