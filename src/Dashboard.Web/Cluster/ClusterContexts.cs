using Dashboard.ClusterServices;
using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Probing;

namespace Dashboard.Web.Cluster;

/// <summary>
/// The clusters of the kubeconfig's contexts. The context the dashboard started on is the process-wide
/// scope (which the pod hub shares); another context gets its own scope (clients, circuit breaker,
/// caches) the first time someone picks it, shared from then on by everyone who picks it.
/// </summary>
public sealed class ClusterContexts(ClusterConnection connection, ClusterScope defaultScope, ClusterScopeFactory scopes) : IAsyncDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<string, ClusterScope> _others = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => connection.Contexts;

    public string? Default => connection.Context;

    /// <summary>The scope of <paramref name="context"/>; null or the default context gives the process-wide one.</summary>
    public ClusterScope Get(string? context)
    {
        if (context is null || context == connection.Context) return defaultScope;
        lock (_gate)
        {
            if (_others.TryGetValue(context, out var existing)) return existing;
            // The probe reaches Services only on the cluster the dashboard runs in or hosts.
            var scope = scopes.Create(context, new KubernetesClientProvider(connection.ConfigurationFor(context)), ProbeTargets.None, ownsClients: true);
            // Recording starts with the first visit to this context; it is not awaited, so an unreachable cluster does not hold up the page.
            _ = scope.Timelines.StartAsync();
            _others[context] = scope;
            return scope;
        }
    }

    /// <summary>What a person reads in the app bar: how the dashboard reached the cluster and where it is.</summary>
    public string Describe(string? context) =>
        context is null || context == connection.Context ? $"{connection.ResolvedMode} · {connection.Server}" : $"{ClusterMode.KubeConfig} · {context}";

    public async ValueTask DisposeAsync()
    {
        List<ClusterScope> others;
        lock (_gate)
        {
            others = [.. _others.Values];
            _others.Clear();
        }
        foreach (var scope in others) await scope.DisposeAsync();
    }
}
