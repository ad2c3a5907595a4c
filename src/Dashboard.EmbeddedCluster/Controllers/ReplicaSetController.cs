using k8s.Models;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>The ReplicaSet controller (pkg/controller/replicaset): create or delete pods to match spec.replicas, then report status.</summary>
public sealed class ReplicaSetController(ClusterApi api, EventRecorder events, ControllerLoop loop)
{
    public const string Kind = "replicaset";
    const string Component = "replicaset-controller";
    const int BurstReplicas = 500;

    public void Sync(string key)
    {
        var (ns, name) = Keys.Split(key);
        var stored = api.Find(ResourceTypes.ReplicaSets, ns, name);
        if (stored is null) return;
        var rs = ModelJson.ToModel<V1ReplicaSet>(stored.Object);
        var now = api.Clock.GetUtcNow().UtcDateTime;

        if (rs.Metadata.DeletionTimestamp is null)
        {
            var active = OwnedPods(rs).Where(PodState.IsActive).ToList();
            var diff = active.Count - (rs.Spec.Replicas ?? 1);
            if (diff < 0)
            {
                for (var i = 0; i < Math.Min(-diff, BurstReplicas); i++) CreatePod(rs, stored.Object);
            }
            else if (diff > 0)
            {
                foreach (var pod in PodState.DeletionOrder(active, now).Take(Math.Min(diff, BurstReplicas)))
                {
                    try
                    {
                        api.Delete(ResourceTypes.Pods, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
                        events.Normal(stored.Object, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}", Component);
                    }
                    catch (ApiException e) when (e.Code == 404) { }
                }
            }
        }

        var pods = OwnedPods(rs).Where(PodState.IsActive).ToList();
        var minReady = rs.Spec.MinReadySeconds ?? 0;
        var templateLabels = rs.Spec.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
        var status = new V1ReplicaSetStatus
        {
            Replicas = pods.Count,
            FullyLabeledReplicas = pods.Count(p => templateLabels.All(l => p.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value)),
            ReadyReplicas = pods.Count(PodState.IsReady),
            AvailableReplicas = pods.Count(p => PodState.IsAvailable(p, minReady, now)),
            ObservedGeneration = rs.Metadata.Generation,
            // As Kubernetes 1.33+ (DeploymentReplicaSetTerminatingReplicas): pods going away that have not finished.
            TerminatingReplicas = OwnedPods(rs).Count(p => p.Metadata.DeletionTimestamp is not null && p.Status?.Phase is not ("Succeeded" or "Failed")),
            Conditions = rs.Status?.Conditions?.Where(c => c.Type != "ReplicaFailure").ToList() is { Count: > 0 } kept ? kept : null,
        };
        if (ModelJson.Canonical(ModelJson.ToJson(status)) != ModelJson.Canonical(ModelJson.ToJson(rs.Status ?? new V1ReplicaSetStatus())))
        {
            var fresh = ModelJson.ToModel<V1ReplicaSet>(api.Get(ResourceTypes.ReplicaSets, ns, name));
            fresh.Status = status;
            api.UpdateStatus(ResourceTypes.ReplicaSets, fresh);
        }

        // Availability after minReadySeconds is a change of time, not of any object: wake up for it.
        if (minReady > 0)
        {
            var next = pods.Where(p => PodState.IsReady(p) && !PodState.IsAvailable(p, minReady, now))
                .Select(p => PodState.AvailableAt(p, minReady)).Where(t => t is not null).Min();
            if (next is { } due) loop.EnqueueAfter(Kind, key, due - now + TimeSpan.FromMilliseconds(1100));
        }
    }

    IEnumerable<V1Pod> OwnedPods(V1ReplicaSet rs) =>
        api.Store.OwnedBy(ResourceTypes.Pods, rs.Metadata.Uid).Where(o => Keys.IsControlledBy(o.Object, rs.Metadata.Uid))
            .Select(o => o.View<V1Pod>());

    void CreatePod(V1ReplicaSet rs, System.Text.Json.Nodes.JsonObject rsJson)
    {
        var template = rs.Spec.Template;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = rs.Metadata.Name + "-",
                NamespaceProperty = rs.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
                Annotations = template.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [Keys.ControllerRef("apps/v1", "ReplicaSet", rs.Metadata.Name, rs.Metadata.Uid)],
            },
            Spec = ModelJson.ToModel<V1PodSpec>(ModelJson.ToJson(template.Spec)),
        };
        var created = api.Create(ResourceTypes.Pods, rs.Metadata.NamespaceProperty, ModelJson.ToJson(pod)).Object;
        events.Normal(rsJson, "SuccessfulCreate", $"Created pod: {created["metadata"]!["name"]}", Component);
    }
}
