using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using k8s;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Cluster;

/// <summary>
/// The one decision of which cluster the dashboard talks to, and the KubernetesClient configuration
/// for it. Whatever the mode, every call goes over HTTP through KubernetesClient: the embedded
/// cluster is reached exactly as a kubeconfig or in-cluster one is.
/// </summary>
public sealed class ClusterConnection(IOptions<ClusterOptions> options, IOptions<EmbeddedClusterOptions> embeddedOptions, ILoggerFactory loggerFactory)
    : IHostedService, IAsyncDisposable
{
    readonly ILogger _logger = loggerFactory.CreateLogger<ClusterConnection>();
    readonly TaskCompletionSource<KubernetesClientConfiguration> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    EmbeddedClusterHost? _embedded;

    public ClusterMode ResolvedMode { get; private set; }

    /// <summary>Where the API server is, for people: shown in the UI and the log.</summary>
    public string Server { get; private set; } = "";

    public string? Kubeconfig { get; private set; }

    /// <summary>The kubeconfig context in use (null in-cluster).</summary>
    public string? Context { get; private set; }

    /// <summary>Every context of the kubeconfig, for the context picker; just the one in use otherwise.</summary>
    public IReadOnlyList<string> Contexts { get; private set; } = [];

    /// <summary>A client configuration for another context of the same kubeconfig.</summary>
    public KubernetesClientConfiguration ConfigurationFor(string context)
    {
        if (Kubeconfig is null || !Contexts.Contains(context))
            throw new ArgumentException($"There is no context \"{context}\"; the contexts are {string.Join(", ", Contexts)}.", nameof(context));
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig, context);
    }

    public EmbeddedClusterHost? Embedded => _embedded;

    public Task<KubernetesClientConfiguration> ConfigurationAsync => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Auto: in-cluster when a service account is mounted, else a kubeconfig when one exists, else embedded.</summary>
    public static ClusterMode Resolve(ClusterOptions options, Func<bool> inCluster, Func<string?> kubeconfig) => options.Mode switch
    {
        ClusterMode.Auto when inCluster() => ClusterMode.InCluster,
        ClusterMode.Auto when kubeconfig() is not null => ClusterMode.KubeConfig,
        ClusterMode.Auto => ClusterMode.Embedded,
        var explicitMode => explicitMode,
    };

    string? ExistingKubeconfig() => ExistingKubeconfig(options.Value);

    /// <summary>The mode Auto would choose, before anything starts (the sign-in requirements depend on it).</summary>
    public static ClusterMode ResolveFromEnvironment(ClusterOptions options) =>
        Resolve(options, KubernetesClientConfiguration.IsInCluster, () => ExistingKubeconfig(options));

    static string? ExistingKubeconfig(ClusterOptions options)
    {
        var configured = options.KubeconfigPath ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault(File.Exists);
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured)) return configured;
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? home : null;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            ResolvedMode = Resolve(options.Value, KubernetesClientConfiguration.IsInCluster, ExistingKubeconfig);
            KubernetesClientConfiguration configuration;
            switch (ResolvedMode)
            {
                case ClusterMode.InCluster:
                    configuration = KubernetesClientConfiguration.InClusterConfig();
                    break;
                case ClusterMode.KubeConfig:
                    Kubeconfig = ExistingKubeconfig() ?? throw new InvalidOperationException("Cluster__Mode is KubeConfig but no kubeconfig was found: set Cluster__KubeconfigPath or KUBECONFIG.");
                    configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig, options.Value.Context);
                    break;
                default:
                    _embedded = new EmbeddedClusterHost(embeddedOptions.Value, loggerFactory);
                    await _embedded.StartAsync(cancellationToken);
                    Kubeconfig = _embedded.KubeconfigPath;
                    configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig);
                    break;
            }
            Server = configuration.Host;
            Context = configuration.CurrentContext;
            Contexts = Kubeconfig is null
                ? []
                : (await KubernetesClientConfiguration.LoadKubeConfigAsync(Kubeconfig)).Contexts.Select(c => c.Name).ToList();
            _logger.LogInformation("Cluster: {Mode} at {Server}", ResolvedMode, Server);
            if (Kubeconfig is not null)
                _logger.LogInformation("kubectl against the same cluster: kubectl --kubeconfig {Kubeconfig} get pods -A", Kubeconfig);
            _ready.TrySetResult(configuration);
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _embedded, null) is { } embedded) await embedded.DisposeAsync();
    }
}
