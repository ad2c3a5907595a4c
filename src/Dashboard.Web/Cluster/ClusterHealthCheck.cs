using Dashboard.ClusterServices;
using k8s;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Web.Cluster;

/// <summary>Healthy once the cluster connection is established and its API server answers /version.</summary>
/// <remarks>Asks through the dashboard's own shared client (a probe every few seconds must not build a client, and its sockets, each time).</remarks>
public sealed class ClusterHealthCheck(ClusterConnection connection, ClusterScope cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!connection.IsReady) return HealthCheckResult.Unhealthy("The cluster connection is still starting.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var version = await cluster.Clients.Read.Version.GetCodeAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{connection.ResolvedMode} cluster {version.GitVersion} at {connection.Server}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException)
        {
            return HealthCheckResult.Unhealthy($"The API server at {connection.Server} does not answer: {e.Message}");
        }
    }
}
