namespace Dashboard.Testing;

/// <summary>The test users' rights, for clusters the sign-in tests start.</summary>
public static class TestRbac
{
    /// <summary>
    /// Everyone signed in may read what the dashboard shows (cluster-wide); the <c>operators</c> group
    /// may also change Deployments in <c>default</c>, and nowhere else.
    /// </summary>
    public const string ViewersAndOperators = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: viewer}
        rules:
        - {apiGroups: [""], resources: [pods, events, services, endpoints, namespaces], verbs: [get, list, watch]}
        - {apiGroups: [apps], resources: [deployments, replicasets], verbs: [get, list, watch]}
        - {apiGroups: [policy], resources: [poddisruptionbudgets], verbs: [get, list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: everyone-views}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: viewer}
        subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: operator, namespace: default}
        rules:
        - {apiGroups: [apps], resources: [deployments], verbs: [patch]}
        - {apiGroups: [""], resources: [events], verbs: [create]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: operators, namespace: default}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}
        subjects: [{kind: Group, name: operators, apiGroup: rbac.authorization.k8s.io}]
        """;
}
