using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Resilience;
using Dashboard.Testing;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.ClusterServices.Tests;

/// <summary>The service layer wired to a private embedded cluster, over HTTP, as the dashboard wires it.</summary>
public sealed class ServiceHarness : IAsyncDisposable
{
    ServiceHarness(TestCluster cluster, KubernetesClientProvider clients, ReflectorOptions options, TimeProvider? clock)
    {
        Cluster = cluster;
        Clients = clients;
        Cache = new ClusterCache(clients, options, NullLoggerFactory.Instance, clock);
        Operations = new RolloutOperations(clients, new KubernetesResilience(), NullLogger<RolloutOperations>.Instance);
    }

    public TestCluster Cluster { get; }
    public KubernetesClientProvider Clients { get; }
    public ClusterCache Cache { get; }
    public RolloutOperations Operations { get; }

    public static async Task<ServiceHarness> StartAsync(ReflectorOptions? options = null, params DelegatingHandler[] handlers) => await StartAsync(0, options, null, handlers);

    /// <param name="clock">The caches' clock (a FakeTimeProvider to move their timers by hand); the cluster keeps real time.</param>
    public static async Task<ServiceHarness> StartAsync(double endpointsDelaySeconds, ReflectorOptions? options = null, TimeProvider? clock = null, params DelegatingHandler[] handlers)
    {
        var cluster = await TestCluster.StartAsync(timeScale: endpointsDelaySeconds > 0 ? 0.3 : 0.2, endpointsDelaySeconds: endpointsDelaySeconds);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig);
        var clients = new KubernetesClientProvider(config, watchTimeoutSeconds: 60, requestHandlers: handlers);
        var harness = new ServiceHarness(cluster, clients, options ?? new ReflectorOptions { IdleTimeout = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromSeconds(1) }, clock);
        var ready = await cluster.KubectlAsync("rollout", "status", "deployment/flask-app", "--timeout=60s");
        Assert.True(ready.ExitCode == 0, ready.Output);
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await Cache.DisposeAsync();
        Clients.Dispose();
        await Cluster.DisposeAsync();
    }
}
