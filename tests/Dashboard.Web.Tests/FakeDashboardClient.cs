using System.Collections.Immutable;
using System.Threading.Channels;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Model;
using Dashboard.Web.Model;

namespace Dashboard.Web.Tests;

/// <summary>A feed a test pushes into: components read it exactly as they read the real caches.</summary>
public sealed class FakeFeed<T>(IReadOnlyList<T> snapshot) : IViewFeed<T>
{
    readonly Channel<CacheUpdate<T>> _updates = Channel.CreateUnbounded<CacheUpdate<T>>();

    public IReadOnlyList<T> Snapshot { get; } = snapshot;
    public bool Disposed { get; private set; }

    public void Push(params Change<T>[] changes) => _updates.Writer.TryWrite(new CacheUpdate<T>(changes));

    public ValueTask<CacheUpdate<T>> ReadAsync(CancellationToken cancellationToken = default) => _updates.Reader.ReadAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

public sealed class FakeDashboardClient(IReadOnlyList<DeploymentView> deployments, IReadOnlyList<PodView> pods) : IDashboardClient
{
    public FakeFeed<DeploymentView> Deployments { get; } = new(deployments);
    public FakeFeed<PodView> Pods { get; } = new(pods);

    public Task<IViewFeed<DeploymentView>> WatchDeploymentsAsync(string? ns, CancellationToken cancellationToken = default) => Task.FromResult<IViewFeed<DeploymentView>>(Deployments);

    public Task<IViewFeed<PodView>> WatchPodsAsync(string? ns, CancellationToken cancellationToken = default) => Task.FromResult<IViewFeed<PodView>>(Pods);

    public static DeploymentView Deployment(string ns, string name, int replicas = 3, int updated = 3, int available = 3, string image = "app:1", bool paused = false, string? progressReason = "NewReplicaSetAvailable") => new()
    {
        Namespace = ns, Name = name, Uid = Guid.NewGuid().ToString(), ResourceVersion = "1", Generation = 2, ObservedGeneration = 2,
        Replicas = replicas, StatusReplicas = updated == replicas ? replicas : replicas + 1, UpdatedReplicas = updated, ReadyReplicas = available,
        AvailableReplicas = available, UnavailableReplicas = replicas - available, Paused = paused, Strategy = "RollingUpdate",
        MaxSurge = 1, MaxUnavailable = 0, MinReadySeconds = 0, Revision = "2",
        Containers = [new ContainerImage(name, image)],
        Selector = ImmutableDictionary<string, string>.Empty.Add("app", name),
        Conditions = progressReason is null ? [] : [new ConditionView("Progressing", progressReason == "ProgressDeadlineExceeded" ? "False" : "True", progressReason, null, null, null)],
        CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
    };

    public static PodView Pod(string ns, string name, string app, string image, string status, bool ready = false) => new()
    {
        Namespace = ns, Name = name, Uid = Guid.NewGuid().ToString(), ResourceVersion = "1", Status = status, Ready = ready,
        ReadyText = ready ? "1/1" : "0/1", Restarts = 0, Images = [image],
        Labels = ImmutableDictionary<string, string>.Empty.Add("app", app), CreatedAt = DateTimeOffset.UtcNow,
    };
}
