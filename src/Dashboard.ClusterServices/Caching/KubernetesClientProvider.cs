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

    public KubernetesClientProvider(KubernetesClientConfiguration configuration, TimeSpan? requestTimeout = null, int watchTimeoutSeconds = 300, params DelegatingHandler[] requestHandlers)
    {
        var read = Clone(configuration);
        read.HttpClientTimeout = requestTimeout ?? TimeSpan.FromSeconds(15);
        _read = new k8s.Kubernetes(read, requestHandlers);
        var watch = Clone(configuration);
        watch.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        _watch = new k8s.Kubernetes(watch);
        WatchTimeoutSeconds = watchTimeoutSeconds;
    }

    static KubernetesClientConfiguration Clone(KubernetesClientConfiguration c) => new()
    {
        Host = c.Host,
        AccessToken = c.AccessToken,
        TokenProvider = c.TokenProvider,
        Username = c.Username,
        Password = c.Password,
        ClientCertificateData = c.ClientCertificateData,
        ClientCertificateKeyData = c.ClientCertificateKeyData,
        ClientCertificateFilePath = c.ClientCertificateFilePath,
        ClientKeyFilePath = c.ClientKeyFilePath,
        SslCaCerts = c.SslCaCerts,
        SkipTlsVerify = c.SkipTlsVerify,
        TlsServerName = c.TlsServerName,
        Namespace = c.Namespace,
    };

    public IKubernetes Read => _read;
    public IKubernetes Watch => _watch;
    public int WatchTimeoutSeconds { get; }

    public void Dispose()
    {
        _read.Dispose();
        _watch.Dispose();
    }
}
