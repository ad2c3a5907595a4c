using Microsoft.AspNetCore.Components;
using Bunit;
using Dashboard.ClusterServices.Caching;
using Dashboard.Web.Components.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class OverviewTests : MudTestContext
{

    FakeDashboardClient Arrange(params Dashboard.ClusterServices.Model.DeploymentView[] deployments) => Arrange(deployments, []);

    FakeDashboardClient Arrange(Dashboard.ClusterServices.Model.DeploymentView[] deployments, Dashboard.ClusterServices.Model.PodView[] pods,
        Dashboard.ClusterServices.Model.ReplicaSetView[]? replicaSets = null)
    {
        return Use(new FakeDashboardClient(deployments, pods, replicaSets));
    }

    [Fact]
    public void Rollouts_that_need_attention_sort_before_complete_ones()
    {
        Arrange(
            FakeDashboardClient.Deployment("a", "calm"),
            FakeDashboardClient.Deployment("b", "moving", replicas: 4, updated: 2, available: 3, progressReason: "ReplicaSetUpdated"),
            FakeDashboardClient.Deployment("c", "late", replicas: 2, updated: 1, available: 1, progressReason: "ProgressDeadlineExceeded"));

        var cut = Ctx.Render<Overview>();

        var order = cut.FindAll("tbody tr[data-deployment]").Select(r => r.GetAttribute("data-deployment")).ToList();
        Assert.Equal(["c/late", "b/moving", "a/calm"], order);
        Assert.Equal("Failed", cut.Find("tr[data-deployment='c/late']").GetAttribute("data-state"));
        Assert.Equal("Progressing", cut.Find("tr[data-deployment='b/moving']").GetAttribute("data-state"));
    }

    [Fact]
    public void New_pods_that_cannot_pull_make_a_rollout_stuck()
    {
        var d = FakeDashboardClient.Deployment("default", "web", replicas: 2, updated: 1, available: 2, image: "web:2", progressReason: "ReplicaSetUpdated");
        Arrange([d], [FakeDashboardClient.Pod("default", "web-2-x", "web", "web:2", "ImagePullBackOff", replicaSet: "web-2")],
            [FakeDashboardClient.ReplicaSet(d, "web-1", 1, "web:1", 1), FakeDashboardClient.ReplicaSet(d, "web-2", 2, "web:2", 1)]);

        var cut = Ctx.Render<Overview>();

        Assert.Equal("Stuck", cut.Find("tr[data-deployment='default/web']").GetAttribute("data-state"));
    }

    [Fact]
    public void A_pod_is_a_rollouts_only_when_its_ReplicaSet_owns_it_whatever_its_name_and_labels()
    {
        var web = FakeDashboardClient.Deployment("default", "web", replicas: 2, updated: 1, available: 2, image: "web:2", progressReason: "ReplicaSetUpdated");
        var webX = FakeDashboardClient.Deployment("default", "web-x", image: "web:2", revision: "1");
        // Named like web's, labelled app=web, running web's new image: but web-x's ReplicaSet made it.
        Arrange([web, webX], [FakeDashboardClient.Pod("default", "web-x-1-abcde", "web", "web:2", "CrashLoopBackOff", replicaSet: "web-x-1")],
            [FakeDashboardClient.ReplicaSet(web, "web-2", 2, "web:2", 1), FakeDashboardClient.ReplicaSet(webX, "web-x-1", 1, "web:2", 1)]);

        var cut = Ctx.Render<Overview>();

        Assert.Equal("Progressing", cut.Find("tr[data-deployment='default/web']").GetAttribute("data-state"));
        Assert.Equal("Stuck", cut.Find("tr[data-deployment='default/web-x']").GetAttribute("data-state"));
    }

    [Fact]
    public async Task Healthy_pod_changes_cost_the_overview_no_render_and_a_pod_that_cannot_pull_shows_at_once()
    {
        var d = FakeDashboardClient.Deployment("default", "web", replicas: 200, updated: 100, available: 200, image: "web:2", progressReason: "ReplicaSetUpdated");
        var pods = Enumerable.Range(0, 200).Select(i => FakeDashboardClient.Pod("default", $"web-{i}", "web", "web:2", "Running", replicaSet: "web-2")).ToArray();
        var client = Arrange([d], pods, [FakeDashboardClient.ReplicaSet(d, "web-2", 2, "web:2", 200)]);
        var cut = Ctx.Render<Overview>();
        cut.WaitForAssertion(() => Assert.Equal("Progressing", cut.Find("tr[data-deployment='default/web']").GetAttribute("data-state")), TimeSpan.FromSeconds(5));
        var renders = cut.Instance.Renders;

        // The feed is read in order: when the stuck pod shows, the 200 healthy changes before it have been applied.
        foreach (var pod in pods) client.Pods.Push(new Change<Dashboard.ClusterServices.Model.PodView>(ChangeKind.Upsert, $"default/{pod.Name}", pod with { Restarts = 1 }));
        client.Pods.Push(new Change<Dashboard.ClusterServices.Model.PodView>(ChangeKind.Upsert, "default/web-7", pods[7] with { Status = "ImagePullBackOff" }));
        cut.WaitForAssertion(() => Assert.Equal("Stuck", cut.Find("tr[data-deployment='default/web']").GetAttribute("data-state")), TimeSpan.FromSeconds(5));

        Assert.Equal(renders + 1, cut.Instance.Renders);
    }

    [Fact]
    public void Changes_from_the_cluster_appear_without_a_reload()
    {
        var client = Arrange(FakeDashboardClient.Deployment("default", "web"));
        var cut = Ctx.Render<Overview>();

        client.Deployments.Push(new Change<Dashboard.ClusterServices.Model.DeploymentView>(ChangeKind.Upsert, "default/api", FakeDashboardClient.Deployment("default", "api", image: "api:7")));
        cut.WaitForAssertion(() => Assert.Contains("api:7", cut.Find("tr[data-deployment='default/api']").TextContent), TimeSpan.FromSeconds(5));

        client.Deployments.Push(new Change<Dashboard.ClusterServices.Model.DeploymentView>(ChangeKind.Delete, "default/web", FakeDashboardClient.Deployment("default", "web")));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("tr[data-deployment='default/web']")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Search_filters_by_name_namespace_or_image_and_says_when_nothing_matches()
    {
        Arrange(FakeDashboardClient.Deployment("default", "web", image: "nginx:1.27"), FakeDashboardClient.Deployment("cloud", "api"));
        var cut = Ctx.Render<Overview>();

        cut.Find(".search input").Input("nginx");
        cut.WaitForAssertion(() => Assert.Equal(["default/web"], cut.FindAll("tbody tr[data-deployment]").Select(r => r.GetAttribute("data-deployment"))));

        cut.Find(".search input").Input("nothing-like-this");
        cut.WaitForAssertion(() => Assert.Contains("No deployment matches", cut.Find("td.empty").TextContent));
    }

    [Fact]
    public void Names_link_to_their_deployment_page_with_escaped_segments()
    {
        Arrange(FakeDashboardClient.Deployment("default", "web"));
        var cut = Ctx.Render<Overview>();

        Assert.Equal("namespaces/default/deployments/web", cut.Find("a.deployment-link").GetAttribute("href"));
    }

    [Fact]
    public async Task Leaving_the_page_releases_its_feeds()
    {
        var client = Arrange(FakeDashboardClient.Deployment("default", "web"));
        var cut = Ctx.Render<Overview>();

        await cut.Instance.DisposeAsync();

        Assert.True(client.Deployments.Disposed);
        Assert.True(client.Pods.Disposed);
    }

    [Fact]
    public void A_kubeconfig_with_one_context_shows_no_context_picker()
    {
        Arrange(FakeDashboardClient.Deployment("default", "web"));
        var cut = Ctx.Render<Overview>();

        Assert.Empty(cut.FindAll(".context-picker"));
        Assert.Equal("namespaces/default/deployments/web", cut.Find("a.deployment-link").GetAttribute("href"));
    }

    [Fact]
    public void With_several_contexts_the_page_reads_the_one_in_its_address_and_links_keep_it()
    {
        var client = Use(new FakeDashboardClient([FakeDashboardClient.Deployment("default", "web")], []) { Contexts = ["prod", "staging"] });
        var navigation = Ctx.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("context", "staging"));
        var cut = Ctx.Render<Overview>();

        Assert.Equal("staging", client.Context);
        Assert.Contains("staging", cut.Find(".context-picker").TextContent);
        Assert.Equal("namespaces/default/deployments/web?context=staging", cut.Find("a.deployment-link").GetAttribute("href"));
    }

    [Fact]
    public void A_context_that_does_not_exist_is_a_clear_error()
    {
        Use(new FakeDashboardClient([], []) { Contexts = ["prod", "staging"] });
        var navigation = Ctx.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("context", "nope"));
        var cut = Ctx.Render<Overview>();

        Assert.Contains("There is no context \"nope\"", cut.Find("[role='alert']").TextContent);
    }

    [Fact]
    public void Namespaces_the_person_may_not_list_are_not_shown_though_the_shared_cache_has_them()
    {
        var client = Use(new FakeDashboardClient([FakeDashboardClient.Deployment("default", "web"), FakeDashboardClient.Deployment("secret-team", "payroll")], []) { HiddenNamespaces = ["secret-team"] });
        var cut = Ctx.Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(["default/web"], cut.FindAll("tbody tr[data-deployment]").Select(r => r.GetAttribute("data-deployment"))));
        Assert.DoesNotContain("secret-team", cut.Markup);
    }
}
