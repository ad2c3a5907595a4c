using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Resilience;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Safety;
using Dashboard.ClusterServices.Timeline;

namespace Dashboard.Web.Cluster;

/// <summary>The caches and operations of one cluster: everything the dashboard keeps per kubeconfig context.</summary>
public sealed record ClusterScope(string? Context, ClusterCache Cache, RolloutOperations Operations, RolloutSafety Safety, TrafficProbes Probes, RolloutTimelines Timelines);

/// <summary>
/// The clusters of the kubeconfig's contexts. The context the dashboard started on uses the
/// process-wide services (which the pod hub shares); another context gets its own clients, circuit
/// breaker and caches the first time someone picks it, shared from then on by everyone who picks it.
/// </summary>
public sealed class ClusterContexts(ClusterConnection connection, ClusterCache defaultCache, RolloutOperations defaultOperations, RolloutSafety defaultSafety, TrafficProbes defaultProbes, RolloutTimelines defaultTimelines,
    ReflectorOptions reflectorOptions, ILoggerFactory loggerFactory, TimeProvider clock) : IAsyncDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<string, (ClusterScope Scope, KubernetesClientProvider Clients)> _others = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => connection.Contexts;

    public string? Default => connection.Context;

    /// <summary>The scope of <paramref name="context"/>; null or the default context gives the process-wide one.</summary>
    public ClusterScope Get(string? context)
    {
        if (context is null || context == connection.Context) return new ClusterScope(connection.Context, defaultCache, defaultOperations, defaultSafety, defaultProbes, defaultTimelines);
        lock (_gate)
        {
            if (_others.TryGetValue(context, out var existing)) return existing.Scope;
            var clients = new KubernetesClientProvider(connection.ConfigurationFor(context));
            var resilience = new KubernetesResilience(clock);
            var cache = new ClusterCache(clients, reflectorOptions, loggerFactory, clock);
            var scope = new ClusterScope(context, cache,
                new RolloutOperations(clients, resilience, loggerFactory.CreateLogger<RolloutOperations>(), clock),
                new RolloutSafety(clients, resilience),
                new TrafficProbes(clients, resilience, cache, clock, ProbeTargets.None),
                new RolloutTimelines(cache, clock));
            // Recording starts with the first visit to this context; it is not awaited, so an unreachable cluster does not hold up the page.
            _ = scope.Timelines.StartAsync();
            _others[context] = (scope, clients);
            return scope;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<(ClusterScope Scope, KubernetesClientProvider Clients)> others;
        lock (_gate)
        {
            others = [.. _others.Values];
            _others.Clear();
        }
        foreach (var (scope, clients) in others)
        {
            await scope.Probes.DisposeAsync();
            await scope.Timelines.DisposeAsync();
            await scope.Cache.DisposeAsync();
            clients.Dispose();
        }
    }
}
