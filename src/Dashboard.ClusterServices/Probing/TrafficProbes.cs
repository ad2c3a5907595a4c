using Dashboard.ClusterServices.Caching;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Resilience;
using Dashboard.ClusterServices.Validation;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Dashboard.ClusterServices.Probing;

public sealed record ProbeStart(OperationOutcome Outcome, string Message, ProbeSnapshot? Probe = null)
{
    public bool Ok => Outcome is OperationOutcome.Succeeded or OperationOutcome.Skipped;

    public OperationResult AsResult() => new(Outcome, Message);
}

/// <summary>
/// The running traffic probes of one cluster, one per Deployment at most, shared by every viewer:
/// a probe started on one screen shows on the wall and on everyone's deployment page.
/// </summary>
public sealed class TrafficProbes(IKubernetesClientProvider clients, KubernetesResilience resilience, ClusterCache cache, TimeProvider clock, ProbeTargets targets) : IAsyncDisposable
{
    public const int DefaultRate = 10;

    readonly Lock _gate = new();
    readonly Dictionary<string, TrafficProbe> _probes = new(StringComparer.Ordinal);

    /// <summary>Raised (on any thread) when a probe starts, stops, or closes a second.</summary>
    public event Action? Changed;

    public ProbeSnapshot? Find(string ns, string deployment)
    {
        lock (_gate) return _probes.GetValueOrDefault($"{ns}/{deployment}")?.Snapshot();
    }

    public IReadOnlyList<ProbeSnapshot> All()
    {
        lock (_gate) return _probes.Values.Select(p => p.Snapshot()).ToList();
    }

    public async Task<ProbeStart> StartAsync(string ns, string deployment, int ratePerSecond = DefaultRate, CancellationToken cancellationToken = default)
    {
        if ((InputValidation.LabelError(ns) ?? InputValidation.NameError(deployment, "deployment name")) is { } error) return new(OperationOutcome.Invalid, error);
        lock (_gate)
            if (_probes.TryGetValue($"{ns}/{deployment}", out var running) && running.Running)
                return new(OperationOutcome.Skipped, $"A probe of {running.Service} is already running.", running.Snapshot());
        V1Deployment d;
        V1ServiceList services;
        try
        {
            d = await resilience.Read.ExecuteAsync(async ct => await clients.Read.AppsV1.ReadNamespacedDeploymentAsync(deployment, ns, cancellationToken: ct), cancellationToken);
            services = await resilience.Read.ExecuteAsync(async ct => await clients.Read.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: ct), cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return new(OperationOutcome.NotFound, $"Deployment {ns}/{deployment} was not found.");
        }
        catch (Exception e) when (KubernetesResilience.IsUnanswered(e))
        {
            return new(OperationOutcome.Unavailable, $"The cluster could not be read: {e.Message}");
        }
        var service = Dashboard.ClusterServices.Model.Selection.ServicesSelecting(d, services.Items).FirstOrDefault();
        if (service is null) return new(OperationOutcome.Refused, $"No Service selects the pods of {deployment}: there is no traffic to probe.");
        var url = targets.UrlOf(service);
        if (url is null)
            return new(OperationOutcome.Refused, $"Service {service.Metadata.Name} has no address this dashboard can probe: {targets.Unreachable}.");

        var feed = await cache.SubscribeDeploymentsAsync(ns, cancellationToken);
        var probe = new TrafficProbe(ns, deployment, service.Metadata.Name, url, ratePerSecond, feed, clock);
        TrafficProbe? previous;
        lock (_gate)
        {
            _probes.TryGetValue($"{ns}/{deployment}", out previous);
            _probes[$"{ns}/{deployment}"] = probe;
        }
        if (previous is not null) await previous.DisposeAsync();
        probe.Changed += OnProbeChanged;
        probe.Start();
        OnProbeChanged();
        return new(OperationOutcome.Succeeded, $"Probing {service.Metadata.Name} at {url}, {probe.RatePerSecond} requests a second.", probe.Snapshot());
    }

    /// <summary>Stops the probe; its results stay visible until a new one starts.</summary>
    public async Task<ProbeStart> StopAsync(string ns, string deployment)
    {
        TrafficProbe? probe;
        lock (_gate) _probes.TryGetValue($"{ns}/{deployment}", out probe);
        if (probe is null || !probe.Running) return new(OperationOutcome.Skipped, "No probe is running.");
        await probe.DisposeAsync();
        OnProbeChanged();
        return new(OperationOutcome.Succeeded, $"Stopped probing {probe.Service}.", probe.Snapshot());
    }

    void OnProbeChanged() => Changed?.Invoke();

    public async ValueTask DisposeAsync()
    {
        List<TrafficProbe> probes;
        lock (_gate)
        {
            probes = [.. _probes.Values];
            _probes.Clear();
        }
        foreach (var p in probes) await p.DisposeAsync();
    }
}
