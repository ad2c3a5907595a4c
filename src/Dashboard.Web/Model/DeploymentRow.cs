using Dashboard.ClusterServices.Model;

namespace Dashboard.Web.Model;

/// <summary>One line of the overview: a Deployment with its rollout state.</summary>
public sealed record DeploymentRow(DeploymentView Deployment, RolloutState State)
{
    public string Key => $"{Deployment.Namespace}/{Deployment.Name}";

    public bool InProgress => State.Phase is not RolloutPhase.Complete;

    /// <summary>
    /// The rows in the order a person wants them: rollouts that need attention first (failed, stuck,
    /// progressing, paused), then the rest by namespace and name.
    /// </summary>
    public static IReadOnlyList<DeploymentRow> Build(IEnumerable<DeploymentView> deployments, IEnumerable<ReplicaSetView> replicaSets, IEnumerable<PodView> pods, string? search)
    {
        var podsByNamespace = pods.GroupBy(p => p.Namespace).ToDictionary(g => g.Key, g => g.ToList());
        var setsByNamespace = replicaSets.ToLookup(rs => rs.Namespace);
        var rows = new List<DeploymentRow>();
        foreach (var d in deployments)
        {
            if (!Matches(d, search)) continue;
            var newPods = Membership.NewPodsOf(d, setsByNamespace[d.Namespace], podsByNamespace.GetValueOrDefault(d.Namespace) ?? []);
            rows.Add(new DeploymentRow(d, RolloutStatus.Evaluate(d, newPods)));
        }
        return rows
            .OrderBy(r => r.State.Phase switch
            {
                RolloutPhase.Failed => 0,
                RolloutPhase.Stuck => 1,
                RolloutPhase.Progressing => 2,
                RolloutPhase.Paused => 3,
                _ => 4,
            })
            .ThenBy(r => r.Deployment.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.Deployment.Name, StringComparer.Ordinal)
            .ToList();
    }

    static bool Matches(DeploymentView d, string? search)
    {
        if (string.IsNullOrWhiteSpace(search)) return true;
        var term = search.Trim();
        return d.Name.Contains(term, StringComparison.OrdinalIgnoreCase)
            || d.Namespace.Contains(term, StringComparison.OrdinalIgnoreCase)
            || d.Containers.Any(c => c.Image.Contains(term, StringComparison.OrdinalIgnoreCase));
    }
}
