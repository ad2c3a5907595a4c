using k8s.Models;

namespace Dashboard.ClusterServices.Probing;

/// <summary>
/// Where a traffic probe may send its requests: the Service itself and nothing else. An address is
/// never read from the cluster's objects (an annotation anyone who may edit a Service can write would
/// turn the probe into a request forgery run as the dashboard); it is derived from the Service's
/// name, or asked of the embedded data plane when the dashboard runs that cluster itself.
/// </summary>
public sealed class ProbeTargets
{
    readonly Func<V1Service, string?> _urlOf;
    readonly Func<string> _unreachable;

    ProbeTargets(Func<V1Service, string?> urlOf, Func<string> unreachable)
    {
        _urlOf = urlOf;
        _unreachable = unreachable;
    }

    ProbeTargets(Func<V1Service, string?> urlOf, string unreachable) : this(urlOf, () => unreachable) { }

    /// <summary>Why a Service has no address here, for a person.</summary>
    public string Unreachable => _unreachable();

    public string? UrlOf(V1Service service) => _urlOf(service);

    /// <summary>Nothing is probed: the dashboard runs outside the cluster it shows.</summary>
    public static readonly ProbeTargets None = new(_ => null,
        "the probe runs from the dashboard, which reaches a Service only from inside its cluster (or on the embedded cluster the dashboard runs itself)");

    /// <summary>Inside the cluster: the Service's cluster DNS name on its first port.</summary>
    public static readonly ProbeTargets ClusterDns = new(service =>
    {
        var port = service.Spec?.Ports?.FirstOrDefault()?.Port ?? 80;
        return $"http://{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc:{port}/";
    }, "the Service has no port to probe");

    /// <summary>Targets chosen at each probe's start: the cluster connection is known only once it has started.</summary>
    public static ProbeTargets Deferred(Func<ProbeTargets> choose) => new(service => choose().UrlOf(service), () => choose().Unreachable);

    /// <summary>The embedded cluster's own data plane, by "namespace/name", as the process running it knows it.</summary>
    public static ProbeTargets LocalDataPlane(Func<string, string?> urlOf) =>
        new(service => urlOf($"{service.Metadata.NamespaceProperty}/{service.Metadata.Name}"),
            "the embedded data plane has not published it yet (it serves Services with a selector); try again in a moment");
}
