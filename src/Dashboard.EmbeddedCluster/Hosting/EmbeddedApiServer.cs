using Dashboard.Kubernetes;
using Dashboard.EmbeddedCluster.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>
/// The cluster's HTTP face: a Kestrel server speaking the Kubernetes REST API. It can be stopped
/// (every connection dropped, new ones refused) and started again on the same address while the
/// cluster behind it keeps its state and its rollouts going, which is how tests simulate an
/// apiserver restart.
/// </summary>
public sealed class EmbeddedApiServer : IAsyncDisposable
{
    readonly SimulatedCluster _cluster;
    readonly SemaphoreSlim _gate = new(1, 1);
    WebApplication? _app;
    Uri? _boundUri;

    public EmbeddedApiServer(SimulatedCluster cluster)
    {
        _cluster = cluster;
        Metrics = new ApiMetrics();
        Faults = new FaultInjection(cluster.Api.Clock);
    }

    public ApiMetrics Metrics { get; }
    public FaultInjection Faults { get; }
    public SimulatedCluster Cluster => _cluster;

    /// <summary>The address the server listens on (with the real port when 0 was asked for).</summary>
    public Uri ApiUri => _boundUri ?? throw new InvalidOperationException("The embedded API server has not started.");

    public bool IsRunning => _app is not null;

    /// <summary>The address as Kestrel bound it (0.0.0.0 or [::] when it listens on every interface).</summary>
    public string? ListenAddress { get; private set; }

    System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    /// <summary>The serving certificate in PEM when the API server serves HTTPS (token authentication on), else null.</summary>
    public string? CertificatePem => _certificate?.ExportCertificatePem();

    static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSignedCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=embedded-apiserver", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        // Kestrel needs the key in a form it can use on Linux: round-trip through PKCS#12.
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null) return;
            var url = _boundUri?.ToString() ?? _cluster.Options.ApiUrl;
            // kubectl sends bearer tokens only over TLS: with token authentication the API server serves HTTPS
            // with a certificate of its own, which the kubeconfig carries as its certificate authority.
            if (_cluster.Access.Enabled)
            {
                _certificate ??= SelfSignedCertificate();
                url = url.Replace("http://", "https://", StringComparison.OrdinalIgnoreCase);
            }
            // Without a token file every request is the cluster admin: such a server listens on loopback only.
            if (!_cluster.Access.Enabled && !Loopback.IsUrl(url))
                throw new InvalidOperationException(
                    $"Refusing to serve the embedded cluster at {url} without authentication: anyone who reaches it would be its admin. " +
                    "Use a loopback address (EmbeddedCluster__ApiUrl=http://127.0.0.1:6443) or set EmbeddedCluster__TokenAuthFile.");
            var builder = IsolatedWebHost.CreateBuilder();
            builder.WebHost.UseUrls(url);
            if (_certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = 3 * 1024 * 1024; // etcd's request limit
                k.AddServerHeader = false;
                if (_certificate is not null) k.ConfigureHttpsDefaults(h => h.ServerCertificate = _certificate);
            });
            var app = builder.Build();
            app.MapKubernetesApi(_cluster, Metrics, Faults, RestartAsync);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            // Clients on this machine reach an all-interfaces listener at 127.0.0.1; the log says what it really is.
            ListenAddress = address;
            _boundUri = new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
            _app = app;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is null) return;
            _cluster.Store.CloseAllWatches();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
            _app = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops every connection, refuses new ones for <paramref name="downtime"/>, then serves again; state is kept.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAsync();
    }

    // The gate is never disposed: Stop may race with a second Dispose from the host, and an
    // undisposed SemaphoreSlim without a wait handle holds nothing.
    public async ValueTask DisposeAsync() => await StopAsync();
}
