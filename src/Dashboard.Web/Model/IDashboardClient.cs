using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Dashboard.Web.Cluster;

namespace Dashboard.Web.Model;

/// <summary>
/// The one boundary components talk to: live feeds of views, the cluster's freshness, and the rollout
/// operations as the signed-in person. Components never see the Kubernetes API.
/// </summary>
public interface IDashboardClient
{
    /// <summary>The kubeconfig's contexts; the picker shows when there are several.</summary>
    IReadOnlyList<string> Contexts { get; }

    /// <summary>The context this browser session looks at (null in-cluster).</summary>
    string? Context { get; }

    /// <summary>Switches this session to another context; feeds opened afterwards read that cluster.</summary>
    void UseContext(string? context);

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

    /// <summary>The risks to a zero-downtime rollout of this Deployment, each with why and the YAML that fixes it.</summary>
    Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default);

    /// <summary>The last few rollouts of a Deployment recorded while the dashboard runs, newest first.</summary>
    IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment);

    /// <summary>Raised (on any thread) after a second in which any rollout was recorded.</summary>
    event Action? TimelinesChanged;

    /// <summary>The traffic probe of a Deployment, running or last run, if any.</summary>
    ProbeSnapshot? ProbeOf(string ns, string deployment);

    /// <summary>Every probe of this cluster (for the wall).</summary>
    IReadOnlyList<ProbeSnapshot> Probes { get; }

    /// <summary>Raised (on any thread) when a probe starts, stops or records a second.</summary>
    event Action? ProbesChanged;

    Task<ProbeStart> StartProbeAsync(string ns, string deployment, CancellationToken cancellationToken = default);
    Task<ProbeStart> StopProbeAsync(string ns, string deployment);

    /// <summary>What rolling back to <paramref name="revision"/> would change, as a line diff of the pod template.</summary>
    Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default);
}

/// <summary>Who acts, for the audit trail. Sign-in replaces the default with the person's identity.</summary>
public sealed class OperatorIdentity
{
    public string Name { get; set; } = "dashboard-user";
}

/// <summary>
/// One browser session's view of the service layer: the context it picked, and operations acting as
/// the person signed in. Scoped per circuit; the caches behind it are shared by everyone.
/// </summary>
public sealed class DashboardClient(ClusterContexts clusters, OperatorIdentity identity) : IDashboardClient
{
    ClusterScope _scope = clusters.Get(null);

    ClusterCache Cache => _scope.Cache;
    RolloutOperations Operations => _scope.Operations;

    public IReadOnlyList<string> Contexts => clusters.Names;

    public string? Context => _scope.Context;

    public void UseContext(string? context)
    {
        if (context == _scope.Context) return;
        var next = clusters.Get(context);
        foreach (var handler in _healthHandlers)
        {
            _scope.Cache.HealthChanged -= handler;
            next.Cache.HealthChanged += handler;
        }
        _scope = next;
        foreach (var handler in _healthHandlers) handler();
    }

    public async Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeDeploymentsAsync(ns, cancellationToken);

    public async Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribePodsAsync(ns, cancellationToken);

    public async Task<IViewFeed<ReplicaSetView>> WatchReplicaSetsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeReplicaSetsAsync(ns, cancellationToken);

    public async Task<IViewFeed<EventView>> WatchEventsAsync(string? ns, CancellationToken cancellationToken = default) =>
        await Cache.SubscribeEventsAsync(ns, cancellationToken);

    public ClusterHealth Health => Cache.Health();

    readonly List<Action> _healthHandlers = [];

    public event Action? HealthChanged
    {
        add
        {
            if (value is null) return;
            _healthHandlers.Add(value);
            Cache.HealthChanged += value;
        }
        remove
        {
            if (value is null) return;
            _healthHandlers.Remove(value);
            Cache.HealthChanged -= value;
        }
    }

    public Task<OperationResult> SetImageAsync(string ns, string name, string? container, string image, string? changeCause, CancellationToken cancellationToken = default) =>
        Operations.SetImageAsync(ns, name, container, image, changeCause, identity.Name, cancellationToken: cancellationToken);

    public Task<OperationResult> PauseAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        Operations.PauseAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> ResumeAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        Operations.ResumeAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> RestartAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        Operations.RestartAsync(ns, name, identity.Name, cancellationToken);

    public Task<OperationResult> ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken = default) =>
        Operations.ScaleAsync(ns, name, replicas, identity.Name, cancellationToken);

    public Task<OperationResult> RollbackAsync(string ns, string name, long toRevision, CancellationToken cancellationToken = default) =>
        Operations.RollbackAsync(ns, name, toRevision, identity.Name, cancellationToken: cancellationToken);

    public Task<OperationResult> DiffAsync(string ns, string name, long revision, CancellationToken cancellationToken = default) =>
        Operations.DiffAsync(ns, name, revision, cancellationToken);

    public IReadOnlyList<RolloutTimeline> TimelinesOf(string ns, string deployment) => _scope.Timelines.For(ns, deployment);

    public event Action? TimelinesChanged
    {
        add => _scope.Timelines.Changed += value;
        remove => _scope.Timelines.Changed -= value;
    }

    public ProbeSnapshot? ProbeOf(string ns, string deployment) => _scope.Probes.Find(ns, deployment);

    public IReadOnlyList<ProbeSnapshot> Probes => _scope.Probes.All();

    public event Action? ProbesChanged
    {
        add => _scope.Probes.Changed += value;
        remove => _scope.Probes.Changed -= value;
    }

    public Task<ProbeStart> StartProbeAsync(string ns, string deployment, CancellationToken cancellationToken = default) =>
        _scope.Probes.StartAsync(ns, deployment, cancellationToken: cancellationToken);

    public Task<ProbeStart> StopProbeAsync(string ns, string deployment) => _scope.Probes.StopAsync(ns, deployment);

    public Task<SafetyReport> CheckSafetyAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        _scope.Safety.CheckAsync(ns, name, cancellationToken);
}
