using System.Collections.Frozen;
using k8s.Models;

namespace Dashboard.EmbeddedCluster;

/// <summary>A resource the embedded API server serves, as discovery describes it.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    Type? Model,
    string[] Subresources)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The qualified name kubectl prints: <c>deployments.apps</c>, or <c>pods</c> for the core group.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>What <c>kubectl get</c> prints before the name: <c>deployment.apps/flask-app</c>.</summary>
    public string QualifiedSingular => Group.Length == 0 ? Singular : $"{Singular}.{Group}";

    public string Key => $"{GroupVersion}/{Plural}";

    public override string ToString() => Key;
}

public static class ResourceTypes
{
    static readonly string[] None = [];

    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", false, ["ns"], typeof(V1Namespace), ["status", "finalize"]);
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "node", "Node", false, ["no"], typeof(V1Node), ["status"]);
    public static readonly ResourceType Pods = new("", "v1", "pods", "pod", "Pod", true, ["po"], typeof(V1Pod), ["status"]);
    public static readonly ResourceType Services = new("", "v1", "services", "service", "Service", true, ["svc"], typeof(V1Service), ["status"]);
    public static readonly ResourceType Endpoints = new("", "v1", "endpoints", "endpoints", "Endpoints", true, ["ep"], typeof(V1Endpoints), None);
    public static readonly ResourceType Events = new("", "v1", "events", "event", "Event", true, ["ev"], typeof(Corev1Event), None);
    public static readonly ResourceType ServiceAccounts = new("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], typeof(V1ServiceAccount), None);
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "configmap", "ConfigMap", true, ["cm"], typeof(V1ConfigMap), None);
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "secret", "Secret", true, None, typeof(V1Secret), None);
    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], typeof(V1Deployment), ["status", "scale"]);
    public static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], typeof(V1ReplicaSet), ["status", "scale"]);
    public static readonly ResourceType EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, None, typeof(V1EndpointSlice), None);
    public static readonly ResourceType Roles = new("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true, None, typeof(V1Role), None);
    public static readonly ResourceType RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true, None, typeof(V1RoleBinding), None);
    public static readonly ResourceType ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, None, typeof(V1ClusterRole), None);
    public static readonly ResourceType ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, None, typeof(V1ClusterRoleBinding), None);
    public static readonly ResourceType Ingresses = new("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, ["ing"], typeof(V1Ingress), ["status"]);
    public static readonly ResourceType NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, ["netpol"], typeof(V1NetworkPolicy), None);
    public static readonly ResourceType PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], typeof(V1PodDisruptionBudget), ["status"]);
    /// <summary>What controllers (and the dashboard's replicas) elect a leader over.</summary>
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, None, typeof(V1Lease), None);
    public static readonly ResourceType HorizontalPodAutoscalers = new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], typeof(V2HorizontalPodAutoscaler), ["status"]);

    public static readonly IReadOnlyList<ResourceType> All =
    [
        Namespaces, Nodes, Pods, Services, Endpoints, Events, ServiceAccounts, ConfigMaps, Secrets,
        Deployments, ReplicaSets, EndpointSlices, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings,
        Ingresses, NetworkPolicies, PodDisruptionBudgets, HorizontalPodAutoscalers, Leases,
    ];

    static readonly FrozenDictionary<string, ResourceType> ByKey = All.ToFrozenDictionary(r => r.Key);

    public static ResourceType? Find(string groupVersion, string plural) =>
        ByKey.GetValueOrDefault($"{groupVersion}/{plural}");

    public static IEnumerable<string> GroupVersions => All.Select(r => r.GroupVersion).Distinct();
}
