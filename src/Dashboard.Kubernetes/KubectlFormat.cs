using System.Globalization;
using k8s.Models;

namespace Dashboard.Kubernetes;

/// <summary>
/// How kubectl words things: ages (apimachinery duration.HumanDuration) and a pod's STATUS column
/// (printers.go printPod), so every screen that shows a pod says what kubectl would say.
/// </summary>
public static class KubectlFormat
{
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }

    public static string Age(DateTime? since, DateTime now) =>
        since is { } t ? HumanDuration(now - DateTime.SpecifyKind(t, DateTimeKind.Utc)) : "<unknown>";

    /// <summary>The pod's READY, STATUS and RESTARTS cells as kubectl get pods prints them.</summary>
    public static (string Ready, string Status, string Restarts, int RestartCount, bool IsReady) PodColumns(V1Pod pod, DateTime now)
    {
        var status = pod.Status ?? new V1PodStatus();
        var total = pod.Spec?.Containers?.Count ?? 0;
        var ready = 0;
        var restarts = 0;
        DateTime? lastRestart = null;
        var reason = status.Reason is { Length: > 0 } r ? r : status.Phase ?? "Pending";
        var initializing = false;
        var inits = status.InitContainerStatuses ?? [];
        for (var i = 0; i < inits.Count; i++)
        {
            var c = inits[i];
            restarts += c.RestartCount;
            if (c.State?.Terminated is { ExitCode: 0 }) continue;
            if (c.State?.Terminated is { } t) { reason = t.Reason is { Length: > 0 } ? $"Init:{t.Reason}" : $"Init:ExitCode:{t.ExitCode}"; initializing = true; }
            else if (c.State?.Waiting?.Reason is { Length: > 0 } w && w != "PodInitializing") { reason = $"Init:{w}"; initializing = true; }
            else if (c.State?.Running is not null) { reason = $"Init:{i}/{pod.Spec?.InitContainers?.Count ?? 0}"; initializing = true; }
            break;
        }
        if (!initializing)
        {
            restarts = 0;
            var hasRunning = false;
            var containers = status.ContainerStatuses ?? [];
            for (var i = containers.Count - 1; i >= 0; i--)
            {
                var c = containers[i];
                restarts += c.RestartCount;
                if (c.LastState?.Terminated?.FinishedAt is { } finished && (lastRestart is null || lastRestart < finished)) lastRestart = finished;
                if (c.State?.Waiting?.Reason is { Length: > 0 } waiting) reason = waiting;
                else if (c.State?.Terminated is { } term)
                    reason = term.Reason is { Length: > 0 } ? term.Reason : term.Signal is { } sig && sig != 0 ? $"Signal:{sig}" : $"ExitCode:{term.ExitCode}";
                else if (c.Ready && c.State?.Running is not null) { hasRunning = true; ready++; }
            }
            if (reason == "Completed" && hasRunning)
                reason = status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? "Running" : "NotReady";
        }
        if (pod.Metadata?.DeletionTimestamp is not null && status.Reason == "NodeLost") reason = "Unknown";
        else if (pod.Metadata?.DeletionTimestamp is not null && status.Phase is not ("Succeeded" or "Failed")) reason = "Terminating";
        var restartsText = restarts.ToString(CultureInfo.InvariantCulture);
        if (restarts != 0 && lastRestart is { } lr) restartsText = $"{restarts} ({Age(lr, now)} ago)";
        return ($"{ready}/{total}", reason, restartsText, restarts, total > 0 && ready == total);
    }

    /// <summary>
    /// What <c>kubectl rollout status</c> prints for a Deployment (polymorphichelpers/rollout_status.go,
    /// DeploymentStatusViewer), and whether that is its final "successfully rolled out".
    /// </summary>
    public static (string Message, bool Done) DeploymentRolloutStatus(string name, long generation, long observedGeneration, string? progressingReason,
        int replicas, int updatedReplicas, int statusReplicas, int availableReplicas)
    {
        if (generation > observedGeneration) return ("Waiting for deployment spec update to be observed...", false);
        if (progressingReason == "ProgressDeadlineExceeded") return ($"deployment \"{name}\" exceeded its progress deadline", false);
        if (updatedReplicas < replicas) return ($"Waiting for deployment \"{name}\" rollout to finish: {updatedReplicas} out of {replicas} new replicas have been updated...", false);
        if (statusReplicas > updatedReplicas) return ($"Waiting for deployment \"{name}\" rollout to finish: {statusReplicas - updatedReplicas} old replicas are pending termination...", false);
        if (availableReplicas < updatedReplicas) return ($"Waiting for deployment \"{name}\" rollout to finish: {availableReplicas} of {updatedReplicas} updated replicas are available...", false);
        return ($"deployment \"{name}\" successfully rolled out", true);
    }
}
