using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.EmbeddedCluster.Storage;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Hosting;

/// <summary>
/// A simulated data plane: every Service with a selector gets an HTTP port on loopback whose requests
/// are spread round robin over the Service's Endpoints as published, that is, as a load balancer sees
/// them, lag included. A pod answers with its image tag (<c>Hello v2!</c>) when its application is up;
/// one still warming up, terminating without a preStop hook, or already gone fails the request: the
/// race between a pod stopping and its load balancer learning of it, made visible. The address is written on the Service as the
/// <see cref="WellKnown.DataPlaneUrlAnnotation"/> annotation, as a cloud load-balancer controller publishes its own.
/// </summary>
public sealed class DataPlane(SimulatedCluster cluster, ILogger logger) : IAsyncDisposable
{

    readonly Dictionary<string, (WebApplication App, string Url)> _listeners = new(StringComparer.Ordinal);
    readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    readonly CancellationTokenSource _stop = new();
    Task? _loop;

    /// <summary>The data plane address of each Service, "namespace/name" to URL.</summary>
    public IReadOnlyDictionary<string, string> Urls
    {
        get { lock (_listeners) return _listeners.ToDictionary(l => l.Key, l => l.Value.Url); }
    }

    public void Start()
    {
        cluster.Store.AddListener(e =>
        {
            if (e.Object.Type == ResourceTypes.Services) _wake.Writer.TryWrite(true);
        });
        _wake.Writer.TryWrite(true);
        _loop = Task.Run(RunAsync);
    }

    async Task RunAsync()
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(_stop.Token))
            {
                _wake.Reader.TryRead(out _);
                try { await ReconcileAsync(); }
                catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "The data plane could not reconcile its listeners"); }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task ReconcileAsync()
    {
        var services = cluster.Store.List(ResourceTypes.Services, null).Items
            .Where(s => s.Object["spec"]?["selector"] is JsonObject { Count: > 0 })
            .ToDictionary(s => $"{s.Namespace}/{s.Name}", StringComparer.Ordinal);
        List<string> gone;
        lock (_listeners) gone = _listeners.Keys.Where(k => !services.ContainsKey(k)).ToList();
        foreach (var key in gone)
        {
            WebApplication app;
            lock (_listeners)
            {
                app = _listeners[key].App;
                _listeners.Remove(key);
            }
            await app.DisposeAsync();
        }
        foreach (var (key, service) in services)
        {
            string? url;
            lock (_listeners) url = _listeners.TryGetValue(key, out var existing) ? existing.Url : null;
            if (url is null)
            {
                var listener = await ListenAsync(service.Namespace!, service.Name);
                lock (_listeners) _listeners[key] = listener;
                url = listener.Url;
            }
            Annotate(service, url);
        }
    }

    async Task<(WebApplication App, string Url)> ListenAsync(string ns, string name)
    {
        var builder = IsolatedWebHost.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        var next = 0;
        app.Run(context => ServeAsync(context, ns, name, ref next));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        logger.LogInformation("Data plane for service {Namespace}/{Service} at {Url}", ns, name, address);
        return (app, address);
    }

    Task ServeAsync(HttpContext context, string ns, string name, ref int next)
    {
        var endpoints = cluster.Store.Get(ResourceTypes.Endpoints, ns, name) is { } stored ? ModelJson.ToModel<V1Endpoints>(stored.Object) : null;
        var targets = (endpoints?.Subsets ?? []).SelectMany(s => s.Addresses ?? []).Where(a => a.TargetRef?.Name is not null).ToList();
        if (targets.Count == 0) return Answer(context, StatusCodes.Status503ServiceUnavailable, $"service {ns}/{name} has no ready endpoints\n");
        var target = targets[(int)((uint)Interlocked.Increment(ref next) % (uint)targets.Count)];
        var podName = target.TargetRef.Name;
        context.Response.Headers["X-Pod"] = podName;
        if (cluster.Store.Get(ResourceTypes.Pods, ns, podName) is not { } podObject)
            return Answer(context, StatusCodes.Status502BadGateway, $"pod {podName} is gone: connection refused\n");
        var pod = podObject.View<V1Pod>();
        var (serving, reason) = cluster.Kubelet.AppServing(pod);
        if (!serving) return Answer(context, StatusCodes.Status502BadGateway, $"pod {podName} did not answer: {reason}\n");
        var image = pod.Spec.Containers[0].Image ?? "";
        context.Response.Headers["X-Image"] = image;
        return Answer(context, StatusCodes.Status200OK, $"{Greeting(image)}\n");
    }

    static Task Answer(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body);
    }

    /// <summary>The seed app's answer per version: <c>flask-app:1.0</c> says <c>Hello v1!</c>, <c>:2.0</c> says <c>Hello v2!</c>, <c>v1.0.1</c> says <c>Hello v1.0.1!</c>.</summary>
    public static string Greeting(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        var tag = colon > slash ? image[(colon + 1)..] : "latest";
        var version = tag.TrimStart('v', 'V');
        while (version.EndsWith(".0", StringComparison.Ordinal) && version.Count(c => c == '.') > 0) version = version[..^2];
        return $"Hello v{version}!";
    }

    void Annotate(StoredObject service, string url)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = cluster.Store.Get(ResourceTypes.Services, service.Namespace, service.Name);
            if (current is null || current.Object["metadata"]?["annotations"]?[WellKnown.DataPlaneUrlAnnotation]?.ToString() == url) return;
            var copy = current.Clone();
            var metadata = (JsonObject)copy["metadata"]!;
            if (metadata["annotations"] is not JsonObject annotations) metadata["annotations"] = annotations = [];
            annotations[WellKnown.DataPlaneUrlAnnotation] = url;
            try
            {
                cluster.Store.Update(ResourceTypes.Services, copy, current.ResourceVersion);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        List<WebApplication> apps;
        lock (_listeners)
        {
            apps = _listeners.Values.Select(l => l.App).ToList();
            _listeners.Clear();
        }
        foreach (var app in apps) await app.DisposeAsync();
    }
}
