using System.Net;
using Dashboard.Web.Cluster;
using Microsoft.AspNetCore.Hosting;
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
        var cache = factory.Services.GetRequiredService<Dashboard.ClusterServices.Caching.ClusterCache>();

        await using var deployments = await cache.SubscribeDeploymentsAsync(null);

        Assert.Contains(deployments.Snapshot, d => d.Namespace == "default" && d.Name == "flask-app" && d.Replicas == 5);
        Assert.Contains(deployments.Snapshot, d => d.Namespace == "cloud" && d.Name == "cloud-communal-service" && d.MaxUnavailable == 1 && d.MinReadySeconds == 10);
    }
}
