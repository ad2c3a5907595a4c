using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Resilience;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;
using Microsoft.Extensions.Logging;

namespace Dashboard.ClusterServices;

/// <summary>
/// Everything the dashboard keeps for one cluster (one kubeconfig context): its shared caches, the
/// circuit breaker its calls go through, and the services reading them. Made by
/// <see cref="ClusterScopeFactory"/> only, so every cluster is wired alike.
/// </summary>
public sealed class ClusterScope : IAsyncDisposable
{
    internal ClusterScope(string? context, IKubernetesClientProvider clients, KubernetesResilience resilience, ClusterCache cache,
        RolloutOperations operations, RolloutSafety safety, TrafficProbes probes, RolloutTimelines timelines, IDisposable? ownedClients)
    {
        Context = context;
        Clients = clients;
        Resilience = resilience;
        Cache = cache;
        Operations = operations;
        Safety = safety;
        Probes = probes;
        Timelines = timelines;
        _ownedClients = ownedClients;
    }

    readonly IDisposable? _ownedClients;

    /// <summary>The kubeconfig context (null: the one the dashboard started on, or in-cluster).</summary>
    public string? Context { get; }
    /// <summary>The dashboard's own clients: the shared caches read through them.</summary>
    public IKubernetesClientProvider Clients { get; }
    public KubernetesResilience Resilience { get; }
    public ClusterCache Cache { get; }
    /// <summary>Rollout operations acting as the dashboard itself (sign-in off); a person's go through <see cref="ClusterScopeFactory.OperationsFor"/>.</summary>
    public RolloutOperations Operations { get; }
    public RolloutSafety Safety { get; }
    public TrafficProbes Probes { get; }
    public RolloutTimelines Timelines { get; }

    public async ValueTask DisposeAsync()
    {
        await Probes.DisposeAsync();
        await Timelines.DisposeAsync();
        await Cache.DisposeAsync();
        _ownedClients?.Dispose();
    }
}

/// <summary>The one place a cluster's services are put together, for the default cluster and for every other context.</summary>
public sealed class ClusterScopeFactory(ReflectorOptions reflector, ILoggerFactory loggers, TimeProvider clock)
{
    /// <param name="ownsClients">True when the scope disposes <paramref name="clients"/> with itself.</param>
    public ClusterScope Create(string? context, IKubernetesClientProvider clients, ProbeTargets probeTargets, bool ownsClients = false)
    {
        var resilience = new KubernetesResilience(clock);
        var cache = new ClusterCache(clients, reflector, loggers, clock);
        return new ClusterScope(context, clients, resilience, cache,
            OperationsFor(clients, resilience),
            new RolloutSafety(clients, resilience),
            new TrafficProbes(clients, resilience, cache, clock, probeTargets),
            new RolloutTimelines(cache, clock),
            ownsClients ? clients as IDisposable : null);
    }

    /// <summary>Rollout operations through <paramref name="clients"/> (a person's own, or impersonating them), behind the cluster's circuit breaker.</summary>
    public RolloutOperations OperationsFor(IKubernetesClientProvider clients, KubernetesResilience resilience) =>
        new(clients, resilience, loggers.CreateLogger<RolloutOperations>(), clock);
}
