using Dashboard.Kubernetes;
using Dashboard.Web.Cluster;

namespace Dashboard.Web.Security;

/// <summary>
/// Safe by default: exposed Kubernetes dashboards are a known way in (the Tesla cryptojacking case,
/// CVE-2018-18264's "skip login"). Without sign-in the dashboard runs only on the embedded cluster on
/// loopback; anywhere else it refuses to start and says what to set.
/// </summary>
public static class StartupChecks
{
    public static AuthMode Validate(AuthOptions auth, ClusterMode resolvedCluster, IEnumerable<string> urls)
    {
        var mode = auth.Mode ?? AuthMode.None;
        if (mode == AuthMode.None)
        {
            var loopbackOnly = urls.All(Loopback.IsUrl);
            if (resolvedCluster != ClusterMode.Embedded || !loopbackOnly)
                throw new InvalidOperationException(
                    $"Refusing to start without sign-in: the dashboard {(resolvedCluster == ClusterMode.Embedded ? "listens beyond loopback" : $"talks to a real cluster ({resolvedCluster})")}. " +
                    "Set Auth__Mode=Token (people sign in with a Kubernetes bearer token and act with it), or Auth__Mode=Oidc with " +
                    "Auth__Oidc__Authority, Auth__Oidc__ClientId and Auth__Oidc__ClientSecret (people act through impersonation). " +
                    "Auth__Mode=None is accepted only for the embedded cluster on loopback.");
        }
        if (mode == AuthMode.Oidc && (string.IsNullOrEmpty(auth.Oidc.Authority) || string.IsNullOrEmpty(auth.Oidc.ClientId)))
            throw new InvalidOperationException("Auth__Mode=Oidc needs Auth__Oidc__Authority and Auth__Oidc__ClientId (and Auth__Oidc__ClientSecret for a confidential client).");
        if (mode == AuthMode.Oidc && auth.Oidc.Groups.Select(g => auth.Oidc.GroupsPrefix + g).FirstOrDefault(g => g.StartsWith("system:", StringComparison.Ordinal)) is { } reserved)
            throw new InvalidOperationException($"Auth__Oidc__Groups names \"{reserved}\": system: groups are the cluster's own and are never carried into impersonation.");
        return mode;
    }

    /// <summary>
    /// Every address the dashboard will listen on, from wherever Kestrel reads one: <c>urls</c>
    /// (<c>ASPNETCORE_URLS</c>, <c>--urls</c>), <c>http_ports</c>/<c>https_ports</c> (every interface) and each
    /// <c>Kestrel:Endpoints:*:Url</c>. The default, with none of them, is localhost.
    /// </summary>
    public static IReadOnlyList<string> ListenAddresses(IConfiguration configuration)
    {
        var urls = new List<string>();
        if (configuration["urls"] is { Length: > 0 } configured) urls.AddRange(configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
            if (configuration[key] is { Length: > 0 } ports)
                urls.AddRange(ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}"));
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            urls.Add(endpoint["Url"] is { Length: > 0 } url ? url : $"http://*:0/ (Kestrel:Endpoints:{endpoint.Key} without a loopback Url)");
        return urls.Count == 0 ? [Dashboard.Web.Hosting.DashboardHosting.DefaultUrl] : urls;
    }

}
