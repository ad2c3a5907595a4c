using Dashboard.EmbeddedCluster.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>
/// The cluster's HTTP face: a Kestrel server speaking the Kubernetes REST API. It can be stopped
/// (every connection dropped, new ones refused) and started again on the same address while the
/// cluster behind it keeps its state and its rollouts going, which is how tests simulate an
/// apiserver restart.
/// </summary>
public sealed class EmbeddedApiServer : IAsyncDisposable
{
    readonly EmbeddedCluster _cluster;
    readonly ApiRequestHandler _handler;
    readonly SemaphoreSlim _gate = new(1, 1);
    WebApplication? _app;
    Uri? _boundUri;

    public EmbeddedApiServer(EmbeddedCluster cluster)
    {
        _cluster = cluster;
        Metrics = new ApiMetrics();
        Faults = new FaultInjection(cluster.Api.Clock);
        _handler = new ApiRequestHandler(cluster, Metrics, Faults, RestartAsync);
    }

    public ApiMetrics Metrics { get; }
    public FaultInjection Faults { get; }
    public EmbeddedCluster Cluster => _cluster;

    /// <summary>The address the server listens on (with the real port when 0 was asked for).</summary>
    public Uri ApiUri => _boundUri ?? throw new InvalidOperationException("The embedded API server has not started.");

    public bool IsRunning => _app is not null;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null) return;
            var url = _boundUri?.ToString() ?? _cluster.Options.ApiUrl;
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = 3 * 1024 * 1024; // etcd's request limit
                k.AddServerHeader = false;
            });
            var app = builder.Build();
            app.Run(_handler.HandleAsync);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
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
