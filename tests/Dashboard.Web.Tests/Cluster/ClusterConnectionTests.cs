using System.Net;
using Dashboard.ClusterServices.Operations;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using Dashboard.Web.Cluster;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public class ClusterConnectionTests
{

    [Theory]
    [InlineData(ClusterMode.Auto, true, true, ClusterMode.InCluster)]
    [InlineData(ClusterMode.Auto, false, true, ClusterMode.KubeConfig)]
    [InlineData(ClusterMode.Auto, false, false, ClusterMode.Embedded)]
    [InlineData(ClusterMode.Embedded, true, true, ClusterMode.Embedded)]
    [InlineData(ClusterMode.KubeConfig, false, false, ClusterMode.KubeConfig)]
    public void Auto_prefers_in_cluster_then_a_kubeconfig_then_the_embedded_cluster(ClusterMode configured, bool inCluster, bool hasKubeconfig, ClusterMode expected)
    {
        var mode = ClusterConnection.Resolve(new ClusterOptions { Mode = configured }, () => inCluster, () => hasKubeconfig ? "/some/kubeconfig" : null);

        Assert.Equal(expected, mode);
    }

    [Fact]
    public async Task Healthz_answers_200_once_the_embedded_cluster_serves()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var factory = TestApp.OnEmbeddedCluster(dir);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/healthz");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body);
        Assert.True(File.Exists(Path.Combine(dir, "kubeconfig")), "a kubeconfig for kubectl was written");
    }

    [Fact]
    public async Task The_service_layer_in_the_app_reads_the_embedded_cluster_over_http()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var factory = TestApp.OnEmbeddedCluster(dir);
        using var client = factory.CreateClient();
        var cache = factory.Services.GetRequiredService<Dashboard.ClusterServices.ClusterScope>().Cache;

        await using var deployments = await cache.SubscribeDeploymentsAsync(null);

        Assert.Contains(deployments.Snapshot, d => d.Namespace == "default" && d.Name == "flask-app" && d.Replicas == 5);
        Assert.Contains(deployments.Snapshot, d => d.Namespace == "cloud" && d.Name == "cloud-communal-service" && d.MaxUnavailable == 1 && d.MinReadySeconds == 10);
    }

    [Fact]
    public async Task Each_kubeconfig_context_is_its_own_cluster_and_a_session_can_switch_between_them()
    {
        var dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
        await using var seeded = new EmbeddedClusterHost(new EmbeddedClusterOptions { ApiUrl = "http://127.0.0.1:0", KubeconfigPath = Path.Combine(dir, "a"), TimeScale = 0.05 });
        await using var empty = new EmbeddedClusterHost(new EmbeddedClusterOptions { ApiUrl = "http://127.0.0.1:0", KubeconfigPath = Path.Combine(dir, "b"), Seed = false });
        await seeded.StartAsync();
        await empty.StartAsync();
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: a
              cluster: {"{"}server: {seeded.Server.ApiUri.ToString().TrimEnd('/')}{"}"}
            - name: b
              cluster: {"{"}server: {empty.Server.ApiUri.ToString().TrimEnd('/')}{"}"}
            users:
            - name: admin-a
              user: {"{"}token: {seeded.AdminToken}{"}"}
            - name: admin-b
              user: {"{"}token: {empty.AdminToken}{"}"}
            contexts:
            - name: prod
              context: {"{"}cluster: a, user: admin-a{"}"}
            - name: staging
              context: {"{"}cluster: b, user: admin-b{"}"}
            current-context: prod
            """);
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Cluster:Mode", "KubeConfig");
            b.UseSetting("Cluster:KubeconfigPath", kubeconfig);
            b.UseSetting("Auth:Mode", "Token");
            b.UseSetting("Dashboard:DataPath", Path.Combine(Path.GetDirectoryName(kubeconfig)!, "data"));
        });
        using var http = factory.CreateClient();
        using var scope = factory.Services.CreateScope();
        // These clusters have no token file, so a request without a token acts as their admin; the person here has none,
        // and the session acts with it (no token at all) on whichever context it picks.
        ((Microsoft.AspNetCore.Components.Authorization.IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>())
            .SetAuthenticationState(Task.FromResult(new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(new System.Security.Claims.ClaimsPrincipal(
                new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "pat")], "test")))));
        var client = scope.ServiceProvider.GetRequiredService<IDashboardClient>();

        Assert.Equal(["prod", "staging"], client.Contexts);
        Assert.Equal("prod", client.Context);
        await using (var prod = await client.WatchAsync<Dashboard.ClusterServices.Model.DeploymentView>(null))
            Assert.Contains(prod.Snapshot, d => d.Name == "flask-app");

        // The live state follows the session: a handler added on prod hears the switch, then staging, not prod.
        var heard = new System.Collections.Concurrent.ConcurrentQueue<LiveChange>();
        client.Changed += heard.Enqueue;
        client.UseContext("staging");
        Assert.Equal([LiveChange.Context], heard);
        // Staging's first visit starts its timelines (three caches): once those are live it is quiet.
        var stagingScope = factory.Services.GetRequiredService<ClusterContexts>().Get("staging");
        await WaitUntilAsync(() => stagingScope.Cache.Stats().Count >= 3 && stagingScope.Cache.Health().Connection == Dashboard.ClusterServices.Caching.CacheConnection.Live);
        heard.Clear();
        var prodScope = factory.Services.GetRequiredService<Dashboard.ClusterServices.ClusterScope>();
        await using (await prodScope.Cache.SubscribeEventsAsync("kube-system")) { }
        Assert.Empty(heard);
        await using (var staging = await client.WatchAsync<Dashboard.ClusterServices.Model.DeploymentView>(null))
            Assert.Empty(staging.Snapshot);
        await using (await client.WatchAsync<Dashboard.ClusterServices.Model.EventView>("default")) { }
        Assert.Contains(LiveChange.Health, heard);
        Assert.Equal(OperationOutcome.NotFound, (await client.ExecuteAsync(new Pause("default", "flask-app"))).Outcome);
        Assert.Throws<ArgumentException>(() => client.UseContext("nope"));
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 15 s");
            await Task.Delay(20);
        }
    }
}
