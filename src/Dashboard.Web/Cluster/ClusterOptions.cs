namespace Dashboard.Web.Cluster;

public enum ClusterMode { Auto, Embedded, KubeConfig, InCluster }

/// <summary>Which cluster the dashboard talks to (<c>Cluster__Mode</c>, <c>Cluster__KubeconfigPath</c>, <c>Cluster__Context</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    public ClusterMode Mode { get; set; } = ClusterMode.Auto;

    /// <summary>A kubeconfig to use in KubeConfig mode; default: $KUBECONFIG, then ~/.kube/config.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context; default: its current-context.</summary>
    public string? Context { get; set; }
}
