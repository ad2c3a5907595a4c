using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Safety;

public enum RiskLevel { High, Medium, Low }

/// <summary>One risk to a zero-downtime rollout: what, why it matters, and the YAML that fixes it.</summary>
public sealed record Risk(string Id, RiskLevel Level, string Title, string Why, string FixYaml);

/// <summary>
/// What could make a rollout of this Deployment noticeable to its users, from the settings alone.
/// The rules follow the two source articles: the second one's <c>replicas: 1</c> with
/// <c>maxUnavailable: 1</c>, and its explanation of the race between endpoint removal and SIGTERM.
/// </summary>
public static class SafetyCheck
{
    /// <param name="pdbs">The PodDisruptionBudgets of the Deployment's namespace.</param>
    /// <param name="servesTraffic">Whether a Service selects the Deployment's pods.</param>
    public static IReadOnlyList<Risk> Evaluate(V1Deployment d, IEnumerable<V1PodDisruptionBudget> pdbs, bool servesTraffic)
    {
        var risks = new List<Risk>();
        var spec = d.Spec;
        var replicas = spec.Replicas ?? 1;
        var containers = spec.Template.Spec.Containers;
        var labels = spec.Template.Metadata?.Labels ?? new Dictionary<string, string>();

        if (spec.Strategy?.Type == "Recreate")
            risks.Add(new("recreate", RiskLevel.High, "Recreate stops every pod before new ones start",
                "With the Recreate strategy nothing serves between the last old pod stopping and the first new pod becoming ready: every rollout is an outage.",
                """
                spec:
                  strategy:
                    type: RollingUpdate
                    rollingUpdate:
                      maxUnavailable: 0
                      maxSurge: 1
                """));
        else if (replicas > 0 && DeploymentMath.MaxUnavailable(d) >= replicas)
            risks.Add(new("all-pods-unavailable", RiskLevel.High,
                replicas == 1 ? "replicas: 1 with maxUnavailable ≥ 1: the only pod may stop first" : $"maxUnavailable lets all {replicas} pods stop at once",
                $"maxUnavailable {spec.Strategy?.RollingUpdate?.MaxUnavailable?.Value ?? "25%"} resolves to {DeploymentMath.MaxUnavailable(d)} of {replicas} replicas, so the controller may take every serving pod down before a replacement is ready. Surge first and keep them all until the new ones are available.",
                """
                spec:
                  strategy:
                    rollingUpdate:
                      maxUnavailable: 0
                      maxSurge: 1
                """));

        foreach (var c in containers.Where(c => c.ReadinessProbe is null))
            risks.Add(new($"no-readiness-probe:{c.Name}", RiskLevel.High, $"Container {c.Name} has no readinessProbe",
                "Without a readiness probe a pod counts as ready the moment its container starts, so it receives traffic before the application answers, and the rollout moves on to stop the next old pod.",
                ContainerFix(c.Name, $"""
                    readinessProbe:
                      httpGet:
                        path: /
                        port: {c.Ports?.FirstOrDefault()?.ContainerPort ?? 8080}
                      periodSeconds: 2
                      failureThreshold: 2
                    """)));

        var preStop = Lifecycle.PreStopSeconds(spec.Template.Spec);
        var grace = spec.Template.Spec.TerminationGracePeriodSeconds ?? 30;
        if (servesTraffic)
            foreach (var c in containers.Where(c => c.Lifecycle?.PreStop is null))
                risks.Add(new($"no-prestop:{c.Name}", RiskLevel.High, $"Container {c.Name} has no preStop hook",
                    "A terminating pod is removed from the endpoints and sent SIGTERM at the same time; load balancers learn of the removal a moment later, so requests still reach a pod that has already stopped (the endpoint-removal race). A short preStop sleep keeps it serving until they have caught up.",
                    ContainerFix(c.Name, """
                        lifecycle:
                          preStop:
                            sleep:
                              seconds: 5
                        """, $"terminationGracePeriodSeconds: {Math.Max(grace, 30)}")));
        if (preStop > 0 && grace < preStop + 5)
            risks.Add(new("short-grace-period", RiskLevel.Medium, $"terminationGracePeriodSeconds {grace} is too short for a {preStop} s preStop hook",
                "The grace period covers the preStop hook and the application's own shutdown; when it runs out the container is killed mid-request.",
                $"""
                spec:
                  template:
                    spec:
                      terminationGracePeriodSeconds: {preStop + 25}
                """));

        foreach (var c in containers)
        {
            var image = c.Image ?? "";
            var reference = ImageReference.Parse(image);
            var digest = reference?.Digest is not null;
            var tag = reference?.Tag;
            if (reference?.IsMutable ?? true)
                risks.Add(new($"mutable-tag:{c.Name}", RiskLevel.High, $"Container {c.Name} runs {(tag is null ? "an untagged image" : "the latest tag")}",
                    "The revision history records the tag, not the code: rolling back to a revision brings back whatever the tag points to today, and two pods of one revision may run different builds.",
                    ContainerFix(c.Name, $"""
                        image: {ImageReference.RepositoryOf(image)}:1.2.3   # a version, or @sha256:<digest>
                        imagePullPolicy: IfNotPresent
                        """)));
            else if (!digest && c.ImagePullPolicy == "Always")
                risks.Add(new($"pull-always:{c.Name}", RiskLevel.Medium, $"Container {c.Name} pulls {tag} again on every start (imagePullPolicy: Always)",
                    "A tag can be pushed again. With Always, a restarted pod or a rollback pulls whatever the tag points to now, which may not be the code that revision ran; a registry outage also stops pods from starting.",
                    ContainerFix(c.Name, $"""
                        image: {ImageReference.RepositoryOf(image)}@sha256:<digest of {tag}>
                        imagePullPolicy: IfNotPresent
                        """)));
        }

        if (servesTraffic && (spec.MinReadySeconds ?? 0) == 0)
            risks.Add(new("min-ready-zero", RiskLevel.Low, "minReadySeconds: 0",
                "A pod counts as available as soon as it is ready, so one that fails seconds after warming up still lets the rollout stop the next old pod. A few seconds of observation catches it before the old pods are gone.",
                """
                spec:
                  minReadySeconds: 10
                """));

        if ((spec.ProgressDeadlineSeconds ?? 600) == 600)
            risks.Add(new("default-progress-deadline", RiskLevel.Low, "progressDeadlineSeconds is the default 600",
                "A rollout that cannot progress (an image that does not pull, pods that never get ready) is reported as failed only after ten minutes. Set it to a little more than a healthy rollout of this Deployment takes.",
                """
                spec:
                  progressDeadlineSeconds: 120
                """));

        var protectedByPdb = pdbs.Any(p => p.Spec?.Selector?.MatchLabels is { Count: > 0 } match
            && Labels.Match(match, labels));
        if (!protectedByPdb && replicas > 0)
            risks.Add(new("no-pdb", RiskLevel.Medium, "No PodDisruptionBudget",
                "Rolling updates respect maxUnavailable, but node drains and cluster upgrades do not: without a PodDisruptionBudget they may evict every pod of this Deployment at once.",
                $"""
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: {d.Metadata.Name}
                  namespace: {d.Metadata.NamespaceProperty}
                spec:
                  {(replicas > 1 ? "maxUnavailable: 1" : "minAvailable: 1   # with replicas: 2 or more, or drains will wait forever")}
                  selector:
                    matchLabels:
                {string.Join("\n", labels.Select(kv => $"      {kv.Key}: {kv.Value}"))}
                """));

        return risks.OrderBy(r => r.Level).ToList();
    }

    /// <summary>
    /// The fix for one container as a strategic-merge patch of the pod template (containers merge by
    /// name), with an optional field of the pod spec beside them.
    /// </summary>
    static string ContainerFix(string container, string fields, string? podField = null) =>
        "spec:\n  template:\n    spec:\n" + (podField is null ? "" : $"      {podField}\n") +
        $"      containers:\n      - name: {container}\n" + string.Join("\n", fields.Split('\n').Select(line => "        " + line));
}
