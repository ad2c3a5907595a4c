using k8s;

namespace Dashboard.ClusterServices.Caching;

/// <summary>
/// The KubernetesClient instances the service layer uses: one for requests (with a timeout) and one
/// for watches, which must have none (a long watch is normal; the reflector's watchdog handles a
/// silent one).
/// </summary>
public interface IKubernetesClientProvider
{
    IKubernetes Read { get; }
    IKubernetes Watch { get; }

    /// <summary>Server-side watch timeout; the reflector then resumes from the last resourceVersion.</summary>
    int WatchTimeoutSeconds { get; }
}

public sealed class KubernetesClientProvider : IKubernetesClientProvider, IDisposable
{
    readonly k8s.Kubernetes _read;
    readonly k8s.Kubernetes _watch;

    /// <remarks>
    /// Both clients are built from the one configuration as given (its credentials, TLS, token
    /// provider); only their HttpClient's timeout differs, set before the first request.
    /// </remarks>
    public KubernetesClientProvider(KubernetesClientConfiguration configuration, TimeSpan? requestTimeout = null, int watchTimeoutSeconds = 300, params DelegatingHandler[] requestHandlers)
    {
        _read = new k8s.Kubernetes(configuration, requestHandlers);
        _read.HttpClient.Timeout = requestTimeout ?? TimeSpan.FromSeconds(15);
        _watch = new k8s.Kubernetes(configuration);
        _watch.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        WatchTimeoutSeconds = watchTimeoutSeconds;
    }

    public IKubernetes Read => _read;
    public IKubernetes Watch => _watch;
    public int WatchTimeoutSeconds { get; }

    public void Dispose()
    {
        _read.Dispose();
        _watch.Dispose();
    }
}
