using k8s.Models;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// The defaulting kube-apiserver applies on every write (pkg/apis/*/v1/defaults.go). Defaulting
/// must be idempotent: kubectl rollout undo sends back an already-defaulted template, and the
/// Deployment controller recognises the old ReplicaSet only if both come out byte-for-byte equal.
/// </summary>
public static class Defaults
{
    public static void Apply(object model)
    {
        switch (model)
        {
            case V1Deployment d: Deployment(d); break;
            case V1ReplicaSet rs: ReplicaSet(rs); break;
            case V1Pod p: Pod(p); break;
            case V1Service s: Service(s); break;
            case V1Namespace ns:
                ns.Status ??= new V1NamespaceStatus();
                ns.Status.Phase ??= "Active";
                ns.Spec ??= new V1NamespaceSpec();
                ns.Spec.Finalizers ??= ["kubernetes"];
                break;
            case V1PodDisruptionBudget pdb:
                pdb.Spec ??= new V1PodDisruptionBudgetSpec();
                break;
        }
    }

    static void Deployment(V1Deployment d)
    {
        d.Spec ??= new V1DeploymentSpec();
        var spec = d.Spec;
        spec.Replicas ??= 1;
        spec.Strategy ??= new V1DeploymentStrategy();
        spec.Strategy.Type ??= "RollingUpdate";
        if (spec.Strategy.Type == "RollingUpdate")
        {
            spec.Strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
            spec.Strategy.RollingUpdate.MaxUnavailable ??= "25%";
            spec.Strategy.RollingUpdate.MaxSurge ??= "25%";
        }
        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        spec.Template ??= new V1PodTemplateSpec();
        PodTemplate(spec.Template);
    }

    static void ReplicaSet(V1ReplicaSet rs)
    {
        rs.Spec ??= new V1ReplicaSetSpec();
        rs.Spec.Replicas ??= 1;
        rs.Spec.Template ??= new V1PodTemplateSpec();
        PodTemplate(rs.Spec.Template);
    }

    public static void PodTemplate(V1PodTemplateSpec template)
    {
        template.Metadata ??= new V1ObjectMeta();
        template.Spec ??= new V1PodSpec();
        PodSpec(template.Spec);
    }

    static void Pod(V1Pod pod)
    {
        pod.Spec ??= new V1PodSpec();
        PodSpec(pod.Spec);
        pod.Spec.EnableServiceLinks ??= true;
        pod.Spec.Priority ??= 0;
        pod.Spec.PreemptionPolicy ??= "PreemptLowerPriority";
        pod.Spec.Tolerations ??=
        [
            new V1Toleration { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
            new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
        ];
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase ??= "Pending";
        pod.Status.QosClass ??= "BestEffort";
    }

    static void PodSpec(V1PodSpec spec)
    {
        spec.RestartPolicy ??= "Always";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.DnsPolicy ??= "ClusterFirst";
        spec.SchedulerName ??= "default-scheduler";
        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.Containers ??= [];
        foreach (var c in spec.Containers) Container(c);
        if (spec.InitContainers is not null) foreach (var c in spec.InitContainers) Container(c);
    }

    static void Container(V1Container c)
    {
        c.TerminationMessagePath ??= "/dev/termination-log";
        c.TerminationMessagePolicy ??= "File";
        c.ImagePullPolicy ??= DefaultPullPolicy(c.Image);
        c.Resources ??= new V1ResourceRequirements();
        if (c.Ports is not null) foreach (var p in c.Ports) p.Protocol ??= "TCP";
        if (c.Env is not null)
            foreach (var e in c.Env)
                if (e.ValueFrom?.FieldRef is { } fieldRef) fieldRef.ApiVersion ??= "v1";
        Probe(c.ReadinessProbe);
        Probe(c.LivenessProbe);
        Probe(c.StartupProbe);
    }

    static void Probe(V1Probe? probe)
    {
        if (probe is null) return;
        probe.TimeoutSeconds ??= 1;
        probe.PeriodSeconds ??= 10;
        probe.SuccessThreshold ??= 1;
        probe.FailureThreshold ??= 3;
        if (probe.HttpGet is { } http) http.Scheme ??= "HTTP";
    }

    /// <summary>Always for <c>:latest</c> or no tag, otherwise IfNotPresent (SetDefaults_Container).</summary>
    public static string DefaultPullPolicy(string? image)
    {
        if (string.IsNullOrEmpty(image)) return "IfNotPresent";
        if (image.Contains('@')) return "IfNotPresent";
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        if (colon <= lastSlash) return "Always";
        return image[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    static void Service(V1Service s)
    {
        s.Spec ??= new V1ServiceSpec();
        var spec = s.Spec;
        spec.Type ??= "ClusterIP";
        spec.SessionAffinity ??= "None";
        spec.InternalTrafficPolicy ??= "Cluster";
        spec.IpFamilies ??= ["IPv4"];
        spec.IpFamilyPolicy ??= "SingleStack";
        if (spec.Type is "NodePort" or "LoadBalancer") spec.ExternalTrafficPolicy ??= "Cluster";
        if (spec.Ports is not null)
            foreach (var p in spec.Ports)
            {
                p.Protocol ??= "TCP";
                p.TargetPort ??= p.Port;
            }
        s.Status ??= new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };
    }
}
