using Bunit;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Web.Tests.FakeDashboardClient;

namespace Dashboard.Web.Tests;

public sealed class WallTests : MudTestContext
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    IRenderedComponent<Wall> Open(string? query = null)
    {
        if (query is not null)
        {
            var navigation = Ctx.Services.GetRequiredService<NavigationManager>();
            navigation.NavigateTo("wall" + query);
        }
        return Ctx.Render<Wall>();
    }

    [Fact]
    public void Rollouts_are_large_tiles_with_their_numbers_and_failing_ones_raise_an_alarm()
    {
        var moving = Deployment("shop", "web", replicas: 4, updated: 2, available: 3, image: "web:2", progressReason: "ReplicaSetUpdated", uid: "web-uid", revision: "2");
        var broken = Deployment("shop", "api", replicas: 2, updated: 1, available: 1, image: "api:broken", progressReason: "ProgressDeadlineExceeded", uid: "api-uid");
        var calm = Deployment("default", "calm", uid: "calm-uid");
        Use(new FakeDashboardClient([moving, broken, calm], [], [ReplicaSet(moving, "web-new", 2, "web:2", 2, ready: 2), ReplicaSet(moving, "web-old", 1, "web:1", 2)]));

        var wall = Open();

        Assert.Equal(["shop/api", "shop/web", "default/calm"], wall.FindAll("[data-tile]").Select(t => t.GetAttribute("data-tile")));
        var web = wall.Find("[data-tile='shop/web']");
        Assert.Equal("large", web.GetAttribute("data-size"));
        Assert.Contains("2 out of 4 new replicas have been updated", web.QuerySelector(".tile-status")!.TextContent);
        Assert.Contains("new ready", web.TextContent);
        Assert.Equal("small", wall.Find("[data-tile='default/calm']").GetAttribute("data-size"));
        Assert.Contains("exceeded its progress deadline", wall.Find("[data-tile='shop/api'] .tile-alarm[role='alert']").TextContent);
        Assert.Contains("1 failing", wall.Find(".wall-summary").TextContent);
    }

    [Fact]
    public void What_the_guard_did_is_an_alarm_on_the_tile_with_the_reason()
    {
        var client = Use(new FakeDashboardClient([Deployment("default", "flask-app", uid: "f-uid")], []));
        client.GuardActions.Add(new Dashboard.ClusterServices.Guard.GuardAction("default", "flask-app", "f-uid", 4, Dashboard.ClusterServices.Guard.GuardMode.Rollback, 3,
            "7 of 120 requests failed, 5.8% > 1%", "guard rolled back flask-app to revision 3: 7 of 120 requests failed, 5.8% > 1%", DateTimeOffset.UtcNow,
            Dashboard.ClusterServices.Operations.OperationOutcome.Succeeded, "ok"));

        var wall = Open();

        var alarm = wall.Find("[data-tile='default/flask-app'] .guard-alarm");
        Assert.Equal(("Rollback", "guard rolled back flask-app to revision 3: 7 of 120 requests failed, 5.8% > 1%"), (alarm.GetAttribute("data-guard-action"), alarm.TextContent));
    }

    [Fact]
    public void The_wall_shows_its_freshness_and_says_when_the_cluster_is_not_live()
    {
        var client = Use(new FakeDashboardClient([Deployment("default", "web")], []));
        var wall = Open();
        Assert.Equal("Live", wall.Find(".wall-freshness").GetAttribute("data-connection"));

        client.SetHealth(new ClusterHealth(CacheConnection.Reconnecting, DateTimeOffset.UtcNow.AddSeconds(-30), "refused", ["pods"]));

        wall.WaitForAssertion(() =>
        {
            Assert.Equal("Reconnecting", wall.Find(".wall-freshness").GetAttribute("data-connection"));
            Assert.Contains("reconnecting", wall.Find(".wall-freshness").TextContent);
        }, Wait);
    }

    [Fact]
    public void The_probe_verdict_of_the_last_rollout_is_on_its_tile_and_namespaces_filter_the_wall()
    {
        var client = Use(new FakeDashboardClient([Deployment("cloud", "svc"), Deployment("default", "web")], []));
        client.SetProbe(new ProbeSnapshot("cloud", "svc", "svc", "http://x/", 10, false, "stopped", DateTimeOffset.UtcNow, 100, 0, [], [], [new RolloutVerdict("4", 100, 0)]));

        var wall = Open("?ns=cloud");

        Assert.Equal(["cloud/svc"], wall.FindAll("[data-tile]").Select(t => t.GetAttribute("data-tile")));
        Assert.Contains("no failed requests during rollout 4", wall.Find("[data-tile='cloud/svc'] .tile-verdict").TextContent);
    }

    [Fact]
    public void The_wall_shows_only_namespaces_the_person_may_list_though_the_shared_cache_has_them()
    {
        var secret = Deployment("secret-team", "payroll", replicas: 4, updated: 2, available: 3, progressReason: "ReplicaSetUpdated");
        var client = Use(new FakeDashboardClient([Deployment("default", "web"), secret], [], [ReplicaSet(secret, "payroll-new", 2, "payroll:2", 2)]) { HiddenNamespaces = ["secret-team"] });
        client.SetProbe(new ProbeSnapshot("secret-team", "payroll", "payroll", "http://x/", 10, true, null, DateTimeOffset.UtcNow, 10, 0, [], [], []));

        foreach (var query in new[] { "", "?ns=secret-team", "?ns=secret-team,default" })
        {
            var wall = Open(query);
            wall.WaitForAssertion(() => Assert.Equal(query == "?ns=secret-team" ? [] : ["default/web"], wall.FindAll("[data-tile]").Select(t => t.GetAttribute("data-tile"))), Wait);
            Assert.DoesNotContain("payroll", wall.Markup);
        }
    }

    [Fact]
    public void A_namespace_that_cannot_exist_is_refused()
    {
        Use(new FakeDashboardClient([], []));

        var wall = Open("?ns=Bad_Name");

        Assert.Contains("is not a namespace name", wall.Find("[role='alert']").TextContent);
    }

    static WallTile Tile(string name, bool rolling)
    {
        var d = Deployment("ns", name, replicas: 4, updated: rolling ? 2 : 4, available: 4, progressReason: rolling ? "ReplicaSetUpdated" : "NewReplicaSetAvailable");
        return new WallTile(DeploymentDetails.Build(d, [], [], []), null, null, DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Screens_fit_without_scrolling_and_a_quiet_cluster_gets_big_tiles()
    {
        Assert.Equal((2, 1), WallTile.GridFor([Tile("a", false), Tile("b", false)]));
        Assert.Equal((3, 2), WallTile.GridFor([Tile("a", true), Tile("b", false)]));
        Assert.Equal((6, 4), WallTile.GridFor([.. Enumerable.Range(0, 24).Select(i => Tile($"d{i}", false))]));

        var many = WallTile.Order([.. Enumerable.Range(0, 30).Select(i => Tile($"d{i:D2}", i % 10 == 0))]);
        var pages = WallTile.Pages(many, Wall.Capacity);
        Assert.Equal(2, pages.Count);
        Assert.All(pages, p => Assert.True(p.Sum(t => t.InRollout ? WallTile.LargeWeight : 1) <= Wall.Capacity));
        Assert.All(pages[0].Take(3), t => Assert.True(t.InRollout, "rollouts come first"));
    }

    [Fact]
    public void The_time_left_follows_the_pace_so_far()
    {
        var d = Deployment("ns", "web", replicas: 10, updated: 4, available: 8, progressReason: "ReplicaSetUpdated", uid: "u", revision: "2");
        var start = DateTimeOffset.UtcNow.AddSeconds(-20);
        var timeline = new RolloutTimeline("ns", "web", "2", start, null, RolloutPhase.Progressing,
            [new TimelineSample(start, 0, 10, 0, 10, 10), new TimelineSample(start.AddSeconds(10), 2, 8, 1, 10, 10)]);
        var details = DeploymentDetails.Build(d, [ReplicaSet(d, "web-new", 2, "app:2", 4, ready: 4), ReplicaSet(d, "web-old", 1, "app:1", 6)], [], []);

        var tile = new WallTile(details, timeline, null, start.AddSeconds(20));

        // 4 new pods ready in 20 s: 6 more take about 30 s.
        Assert.Equal(TimeSpan.FromSeconds(30), tile.EstimatedLeft);
        Assert.Equal(TimeSpan.FromSeconds(20), tile.Elapsed);
    }
}
