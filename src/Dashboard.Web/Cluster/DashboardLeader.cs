using Dashboard.ClusterServices;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace Dashboard.Web.Cluster;

/// <summary>
/// One voice with several replicas: leader election over a <c>coordination.k8s.io/v1</c> Lease, as
/// Kubernetes controllers elect theirs (client-go's leaderelection, here KubernetesClient's), with a
/// 12 s lease renewed every 2 s, so a leader that dies is replaced within 15 s. Only the leader's guard acts and only its notifications are sent; the
/// others serve pages and streams. <c>Leader__Namespace</c> (default the pod's namespace, else
/// <c>default</c>) and <c>Leader__LeaseName</c> (default <c>rollout-dashboard-leader</c>).
/// </summary>
public sealed class DashboardLeader(ClusterScope cluster, ClusterConnection connection, IConfiguration configuration, ILogger<DashboardLeader> logger) : BackgroundService
{
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(12);
    volatile bool _leading;

    /// <summary>The pod's name and a unique suffix, as client-go's leader election names a candidate.</summary>
    public string Identity { get; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    public string LeaseName => configuration["Leader:LeaseName"] is { Length: > 0 } name ? name : "rollout-dashboard-leader";

    public string Namespace => configuration["Leader:Namespace"] is { Length: > 0 } ns ? ns
        : configuration["DataProtection:Namespace"] is { Length: > 0 } pod ? pod
        : Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } env ? env : "default";

    /// <summary>True while this replica holds the Lease.</summary>
    public bool IsLeader => _leading;

    /// <summary>Who holds it, as last heard.</summary>
    public string? Leader { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await connection.ConfigurationAsync.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var config = new LeaderElectionConfig(new LeaseLock(cluster.Clients.Read, Namespace, LeaseName, Identity))
        {
            LeaseDuration = LeaseDuration,
            RenewDeadline = TimeSpan.FromSeconds(8),
            RetryPeriod = TimeSpan.FromSeconds(2),
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            logger.LogInformation("Leading as {Identity} (Lease {Namespace}/{Lease}): this replica's guard acts and its notifications are sent", Identity, Namespace, LeaseName);
        };
        elector.OnStoppedLeading += () =>
        {
            _leading = false;
            logger.LogWarning("No longer leading as {Identity}", Identity);
        };
        elector.OnNewLeader += leader => Leader = leader;
        elector.OnError += e => logger.LogWarning("Leader election (Lease {Namespace}/{Lease}): {Error}", Namespace, LeaseName, e.Message);
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _leading = false;
        }
    }
}
