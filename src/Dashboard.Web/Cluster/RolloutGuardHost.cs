using Dashboard.ClusterServices;
using Dashboard.ClusterServices.Guard;
using Dashboard.ClusterServices.Operations;
using Dashboard.Web.Model;
using Dashboard.Web.Records;

namespace Dashboard.Web.Cluster;

/// <summary>
/// Runs the rollout guard on the cluster the dashboard runs on, in the background once the connection
/// is up, and puts what it does in the audit trail as the dashboard's own action (so the rollout
/// records name it as the starter of its rollback).
/// </summary>
public sealed class RolloutGuardHost(ClusterScope cluster, ClusterConnection connection, AuditTrail audit, Notifications.Notifier notifier, DashboardLeader leader,
    TimeProvider clock, ILoggerFactory loggers) : BackgroundService, IGuardObserver
{
    RolloutGuard? _guard;

    /// <summary>The guard, once started; null before, or when the cluster never answered.</summary>
    public RolloutGuard? Guard => _guard;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await connection.ConfigurationAsync.WaitAsync(stoppingToken);
            var guard = new RolloutGuard(cluster.Cache, cluster.Probes, cluster.Operations, clock, loggers.CreateLogger<RolloutGuard>(), this, () => leader.IsLeader);
            await guard.StartAsync(stoppingToken);
            _guard = guard;
            try { await Task.Delay(Timeout.Infinite, stoppingToken); }
            finally { await guard.DisposeAsync(); }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            loggers.CreateLogger<RolloutGuardHost>().LogWarning(e, "The rollout guard is not running: {Error}", e.Message);
        }
    }

    public async Task<object?> BeforeAsync(GuardAction intent, CancellationToken cancellationToken) =>
        await audit.BeginAsync(RolloutGuard.Actor, connection.Context, intent.Mode == GuardMode.Rollback
            ? new Rollback(intent.Namespace, intent.Deployment, intent.ToRevision ?? 0)
            : new Pause(intent.Namespace, intent.Deployment), cancellationToken);

    public async Task AfterAsync(object? token, GuardAction done)
    {
        if (token is AuditHandle handle) await audit.CompleteAsync(handle, new OperationResult(done.Outcome, done.Sentence));
        notifier.Publish(new Notifications.Notification(Notifications.NotificationEvents.GuardActed, connection.Context ?? "in-cluster", done.Namespace, done.Deployment,
            "Deployment", done.Revision, done.PreviousImages, done.Images ?? "", RolloutGuard.Actor,
            done.Mode == GuardMode.Rollback ? $"rolled back to revision {done.ToRevision}" : "paused", done.Sentence, done.At));
    }
}
