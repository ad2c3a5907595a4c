using Dashboard.ClusterServices;
using Dashboard.ClusterServices.Caching;
using k8s;

namespace Dashboard.Web.Cluster;

/// <summary>
/// KubernetesClient instances for whichever cluster <see cref="ClusterConnection"/> chose. Created on
/// first use, which is after the hosted services (and so the connection) have started.
/// </summary>
public sealed class ConnectedClientProvider(ClusterConnection connection) : IKubernetesClientProvider, IDisposable
{
    readonly Lazy<KubernetesClientProvider> _clients = new(() =>
    {
        if (!connection.ConfigurationAsync.IsCompletedSuccessfully)
            throw new InvalidOperationException("The cluster connection is not established yet.");
        return new KubernetesClientProvider(connection.ConfigurationAsync.Result);
    });

    public IKubernetes Read => _clients.Value.Read;
    public IKubernetes Watch => _clients.Value.Watch;
    public int WatchTimeoutSeconds => _clients.Value.WatchTimeoutSeconds;

    public void Dispose()
    {
        if (_clients.IsValueCreated) _clients.Value.Dispose();
    }
}

public static class ClusterServicesRegistration
{
    /// <summary>The cluster service layer: the default cluster's scope (one watch per resource and scope for the whole process), other contexts' on demand, and the person's client per circuit.</summary>
    public static IServiceCollection AddClusterServices(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IKubernetesClientProvider, ConnectedClientProvider>();
        services.AddSingleton(new ReflectorOptions());
        services.AddSingleton<ClusterScopeFactory>();
        services.AddSingleton(sp => sp.GetRequiredService<ClusterScopeFactory>().Create(
            null, sp.GetRequiredService<IKubernetesClientProvider>(), ProbeTargetsOf(sp.GetRequiredService<ClusterConnection>())));
        services.AddHostedService<RolloutTimelinesHost>();
        services.AddSingleton<ClusterContexts>();
        services.AddSingleton<Dashboard.Web.Security.PermissionCache>();
        services.AddSingleton<Dashboard.Web.Security.AccessReviews>();
        services.AddScoped<Dashboard.Web.Model.IDashboardClient, Dashboard.Web.Model.DashboardClient>();
        return services;
    }

    /// <summary>
    /// The probe reaches a Service from where the dashboard runs: inside its cluster by cluster DNS, on
    /// the embedded cluster it runs itself through that cluster's own data plane, elsewhere not at all.
    /// </summary>
    static Dashboard.ClusterServices.Probing.ProbeTargets ProbeTargetsOf(ClusterConnection connection) =>
        Dashboard.ClusterServices.Probing.ProbeTargets.Deferred(() => connection.ResolvedMode switch
        {
            ClusterMode.Embedded when connection.Embedded?.DataPlane is { } dataPlane =>
                Dashboard.ClusterServices.Probing.ProbeTargets.LocalDataPlane(key => dataPlane.Urls.GetValueOrDefault(key)),
            ClusterMode.InCluster => Dashboard.ClusterServices.Probing.ProbeTargets.ClusterDns,
            _ => Dashboard.ClusterServices.Probing.ProbeTargets.None,
        });
}

/// <summary>Records rollouts from start-up, in the background: an unreachable cluster must not hold up the app's start.</summary>
public sealed class RolloutTimelinesHost(ClusterScope cluster, ClusterConnection connection, ILogger<RolloutTimelinesHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await connection.ConfigurationAsync.WaitAsync(stoppingToken);
            await cluster.Timelines.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Rollout timelines are not recorded: {Error}", e.Message);
        }
    }
}
