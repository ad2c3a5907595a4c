using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Resilience;
using Dashboard.ClusterServices.Validation;
using k8s;
using k8s.Autorest;

namespace Dashboard.ClusterServices.Safety;

public sealed record SafetyReport(OperationOutcome Outcome, string Message, IReadOnlyList<Risk> Risks)
{
    public bool Ok => Outcome == OperationOutcome.Succeeded;
}

/// <summary>Reads what the safety check needs (the Deployment, the namespace's Services and PodDisruptionBudgets) when asked: three reads, no watch.</summary>
public sealed class RolloutSafety(IKubernetesClientProvider clients, KubernetesResilience resilience)
{
    public async Task<SafetyReport> CheckAsync(string ns, string name, CancellationToken cancellationToken = default)
    {
        if ((InputValidation.LabelError(ns) ?? InputValidation.NameError(name, "deployment name")) is { } error) return new(OperationOutcome.Invalid, error, []);
        try
        {
            var client = clients.Read;
            var d = await resilience.Read.ExecuteAsync(async ct => await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct), cancellationToken);
            var services = await resilience.Read.ExecuteAsync(async ct => await client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: ct), cancellationToken);
            var pdbs = await resilience.Read.ExecuteAsync(async ct => await client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns, cancellationToken: ct), cancellationToken);
            var servesTraffic = Dashboard.ClusterServices.Model.Selection.ServicesSelecting(d, services.Items).Any();
            var risks = SafetyCheck.Evaluate(d, pdbs.Items, servesTraffic);
            return new(OperationOutcome.Succeeded, risks.Count == 0 ? "No known risks to a zero-downtime rollout." : $"{risks.Count} risk{(risks.Count == 1 ? "" : "s")} to a zero-downtime rollout", risks);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return new(OperationOutcome.NotFound, $"Deployment {ns}/{name} was not found.", []);
        }
        catch (Exception e) when (KubernetesResilience.IsUnanswered(e))
        {
            return new(OperationOutcome.Unavailable, $"The safety check could not read the cluster: {e.Message}", []);
        }
    }
}
