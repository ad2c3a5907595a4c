using k8s;
using k8s.Models;

namespace Dashboard.Web.Cluster;

/// <summary>
/// One voice with several replicas: leader election over a <c>coordination.k8s.io/v1</c> Lease, as
/// Kubernetes controllers elect theirs (client-go's leaderelection: take a free or expired Lease, renew
/// it while holding it, optimistic concurrency on its resourceVersion), with a
/// 12 s lease renewed every 2 s, so a leader that dies is replaced within 15 s. Only the leader's guard acts and only its notifications are sent; the
/// others serve pages and streams. <c>Leader__Namespace</c> (default the pod's namespace, else
/// <c>default</c>) and <c>Leader__LeaseName</c> (default <c>rollout-dashboard-leader</c>).
/// </summary>
public sealed class DashboardLeader(ClusterConnection connection, IConfiguration configuration, ILogger<DashboardLeader> logger) : BackgroundService
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
        // A client of its own: the election keeps calling through an outage, and must not crowd the
        // connections the shared caches relist through when the API server is back.
        using var client = new k8s.Kubernetes(await connection.ConfigurationAsync);
        var held = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                held = await TryAcquireOrRenewAsync(client, stoppingToken) ? DateTimeOffset.UtcNow : held;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogDebug("Leader election (Lease {Namespace}/{Lease}): {Error}", Namespace, LeaseName, e.Message);
            }
            // A leader that could not renew within the renew deadline stops acting before anyone else may start.
            var leading = DateTimeOffset.UtcNow - held < RenewDeadline;
            if (leading != _leading)
            {
                _leading = leading;
                if (leading) logger.LogInformation("Leading as {Identity} (Lease {Namespace}/{Lease}): this replica's guard acts and its notifications are sent", Identity, Namespace, LeaseName);
                else logger.LogWarning("No longer leading as {Identity}", Identity);
            }
            try { await Task.Delay(RetryPeriod, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        _leading = false;
    }

    static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(8);
    static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One round of client-go's leader election over the Lease: take it when it is free or expired, renew it
    /// when it is ours, leave it otherwise. A write that lost the race is a conflict (the resourceVersion
    /// moved): someone else holds it. True when this replica holds it now.
    /// </summary>
    async Task<bool> TryAcquireOrRenewAsync(k8s.Kubernetes client, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        V1Lease? lease;
        try { lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, Namespace, cancellationToken: cancellationToken); }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound) { lease = null; }
        if (lease is null)
        {
            await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = LeaseName, NamespaceProperty = Namespace },
                Spec = new V1LeaseSpec { HolderIdentity = Identity, LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
            }, Namespace, cancellationToken: cancellationToken);
            Leader = Identity;
            return true;
        }
        var spec = lease.Spec ??= new V1LeaseSpec();
        var ours = spec.HolderIdentity == Identity;
        var expired = spec.RenewTime is not { } renewed || renewed.ToUniversalTime() + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)LeaseDuration.TotalSeconds) < now;
        Leader = spec.HolderIdentity;
        if (!ours && !expired && !string.IsNullOrEmpty(spec.HolderIdentity)) return false;
        if (!ours)
        {
            spec.HolderIdentity = Identity;
            spec.AcquireTime = now;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
        }
        spec.RenewTime = now;
        spec.LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds;
        try
        {
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, LeaseName, Namespace, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            return false;
        }
        Leader = Identity;
        return true;
    }
}
