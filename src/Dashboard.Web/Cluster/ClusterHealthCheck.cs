using k8s;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Web.Cluster;

/// <summary>Healthy once the cluster connection is established and its API server answers /version.</summary>
public sealed class ClusterHealthCheck(ClusterConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!connection.IsReady) return HealthCheckResult.Unhealthy("The cluster connection is still starting.");
        try
        {
            using var client = new k8s.Kubernetes(await connection.ConfigurationAsync);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var version = await client.Version.GetCodeAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{connection.ResolvedMode} cluster {version.GitVersion} at {connection.Server}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException)
        {
            return HealthCheckResult.Unhealthy($"The API server at {connection.Server} does not answer: {e.Message}");
        }
    }
}
