using Dashboard.Kubernetes;
using k8s.Models;

namespace Dashboard.ClusterServices.Model;

public static class Selection
{
    /// <summary>The Services whose selector picks the pods of <paramref name="deployment"/>'s template.</summary>
    public static IEnumerable<V1Service> ServicesSelecting(V1Deployment deployment, IEnumerable<V1Service> services)
    {
        var labels = deployment.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>();
        return services.Where(s => s.Spec?.Selector is { Count: > 0 } selector && Labels.Match(selector, labels));
    }
}
