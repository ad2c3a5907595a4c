using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;

namespace Dashboard.Web.Model;

/// <summary>
/// The one boundary components talk to: live feeds of views, the cluster's freshness, and the rollout
/// operations as the signed-in person. Components never see the Kubernetes API.
/// </summary>
public interface IDashboardClient
{
    /// <summary>Deployments in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default);

    /// <summary>Pods in a namespace, or all namespaces when <paramref name="ns"/> is null. The caller disposes the feed.</summary>
    Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default);

    Task<IViewFeed<ReplicaSetView>> WatchReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default);

    Task<IViewFeed<EventView>> WatchEventsAsync(string? ns, CancellationToken cancellationToken = default);

    /// <summary>How fresh the live data is; <see cref="HealthChanged"/> fires (on any thread) when it changes.</summary>
    ClusterHealth Health { get; }

    event Action? HealthChanged;

    Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, CancellationToken cancellationToken = default);
    Task<OperationResult> PauseAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> ResumeAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> RestartAsync(string ns, string name, CancellationToken cancellationToken = default);
    Task<OperationResult> ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken = default);
    Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default);

    /// <summary>What rolling back to <paramref name="revision"/> would change, as a line diff of the pod template.</summary>
    Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default);
}

/// <summary>Who acts, for the audit trail. Sign-in replaces the default with the person's identity.</summary>
public sealed class OperatorIdentity
{
    public string Name { get; set; } = "dashboard-user";
}

public sealed class DashboardClient(ClusterCache cache, RolloutOperations operations, OperatorIdentity identity) : IDashboardClient
{
    public async Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribeDeploymentsAsync(ns, cancellationToken);

    public async Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribePodsAsync(ns, cancellationToken);

    public async Task<IViewFeed<ReplicaSetView>> WatchReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribeReplicaSetsAsync(ns, cancellationToken);

    public async Task<IViewFeed<EventView>> WatchEventsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await cache.SubscribeEventsAsync(ns, cancellationToken);

    public ClusterHealth Health => cache.Health();

    public event Action? HealthChanged
    {
        add => cache.HealthChanged += value;
        remove => cache.HealthChanged -= value;
    }

    public Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, CancellationToken cancellationToken = default) =>
        operations.SetImageAsync(ns, name, container, image, changeCause, identity.Name, cancellationToken: cancellationToken);

    public Task<OperationResult> PauseAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        operations.PauseAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> ResumeAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        operations.ResumeAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> RestartAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        operations.RestartAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken = default) =>
        operations.ScaleAsync(ns, name, replicas, identity.Name, cancellationToken);

    public Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default) =>
        operations.RollbackAsync(ns, name, toRevision, identity.Name, cancellationToken: cancellationToken);

    public Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default) =>
        operations.DiffAsync(ns, name, revision, cancellationToken);
}
