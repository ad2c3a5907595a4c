using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>The cluster and its API server together, started and stopped as one: what the web app and the standalone process run.</summary>
public sealed class EmbeddedClusterHost : IAsyncDisposable
{
    readonly ILogger _logger;

    public EmbeddedClusterHost(EmbeddedClusterOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? clock = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("Dashboard.EmbeddedCluster");
        Cluster = new SimulatedCluster(options, loggerFactory, clock);
        Server = new EmbeddedApiServer(Cluster);
        if (options.DataPlane) DataPlane = new DataPlane(Cluster, loggerFactory.CreateLogger("Dashboard.EmbeddedCluster.DataPlane"));
    }

    /// <summary>The simulated data plane of the Services, unless switched off (<c>EmbeddedCluster__DataPlane=false</c>).</summary>
    public DataPlane? DataPlane { get; }

    public SimulatedCluster Cluster { get; }
    public EmbeddedApiServer Server { get; }
    public string? KubeconfigPath { get; private set; }

    /// <summary>The cluster admin's bearer token of this start (the kubeconfig carries it).</summary>
    public string AdminToken => Cluster.Access.AdminToken;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Cluster.Start();
        await Server.StartAsync(cancellationToken);
        DataPlane?.Start();
        KubeconfigPath = Kubeconfig.Write(Cluster.Options.ResolveKubeconfigPath(), Server.ApiUri, AdminToken, Server.CertificatePem);
        _logger.LogInformation("Embedded Kubernetes-compatible cluster serving at {Url} (listening on {Listen}; authentication {Authentication}; state: {State})",
            Server.ApiUri, Server.ListenAddress, Cluster.Access.Enabled ? "on" : "off, loopback only",
            string.IsNullOrEmpty(Cluster.Options.DataPath) ? "in memory" : Cluster.Options.DataPath);
        _logger.LogInformation("Try it: kubectl --kubeconfig {Kubeconfig} get pods -A", KubeconfigPath);
    }

    public async ValueTask DisposeAsync()
    {
        if (DataPlane is not null) await DataPlane.DisposeAsync();
        await Server.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
