namespace Dashboard.EmbeddedCluster;

/// <summary>Settings of the embedded cluster, bound from the <c>EmbeddedCluster</c> configuration section.</summary>
public sealed class EmbeddedClusterOptions
{
    public const string Section = "EmbeddedCluster";

    /// <summary>Where the API server listens. Port 0 picks a free port (tests).</summary>
    public string ApiUrl { get; set; } = "http://127.0.0.1:6443";

    /// <summary>Where a kubeconfig for this cluster is written; never <c>~/.kube/config</c>.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Multiplies the simulated kubelet's delays (scheduling, image pull, start-up, shutdown).</summary>
    public double TimeScale { get; set; } = 1.0;

    /// <summary>Create the seed workloads of the source articles on an empty cluster.</summary>
    public bool Seed { get; set; } = true;

    /// <summary>On an empty cluster, also generate this many pods in namespace <c>bench</c> (to try the dashboard at scale).</summary>
    public int GeneratedPods { get; set; }

    /// <summary>How many Deployments the generated pods are spread over.</summary>
    public int GeneratedDeployments { get; set; } = 50;

    /// <summary>When set, state is kept on disk here and survives restarts.</summary>
    public string? DataPath { get; set; }

    /// <summary>How many simulated nodes pods are scheduled onto.</summary>
    public int Nodes { get; set; } = 3;

    /// <summary>Watch events kept per resource to resume watches from; older resourceVersions get 410.</summary>
    public int WatchHistory { get; set; } = 20_000;

    /// <summary>
    /// Bearer tokens, as kube-apiserver's <c>--token-auth-file</c> (<c>token,user,uid,"group1,group2"</c>). When set,
    /// requests need a token and RBAC decides what each user may do; the kubeconfig's own token stays cluster-admin.
    /// </summary>
    public string? TokenAuthFile { get; set; }

    /// <summary>Give every Service a simulated data plane on a loopback port (see <c>DataPlane</c>).</summary>
    public bool DataPlane { get; set; } = true;

    /// <summary>Delay before the endpoints controller publishes a change (the load balancer's lag).</summary>
    public double EndpointsDelaySeconds { get; set; } = 0;

    public string ResolveKubeconfigPath() =>
        string.IsNullOrEmpty(KubeconfigPath)
            ? Path.Combine(Path.GetTempPath(), "rollout-dashboard", "embedded.kubeconfig")
            : KubeconfigPath;
}
