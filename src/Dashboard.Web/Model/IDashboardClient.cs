using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;

namespace Dashboard.Web.Model;

/// <summary>The one boundary components talk to: live feeds of views. Components never see the Kubernetes API.</summary>
public interface IDashboardClient
{
    /// <summary>Deployments in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default);

    /// <summary>Pods in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default);
}

public sealed class DashboardClient(ClusterCache cache) : IDashboardClient
{
    public async Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribeDeploymentsAsync(ns, cancellationToken);

    public async Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribePodsAsync(ns, cancellationToken);
}
