using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// The apiserver metrics a dashboard's cost shows in: requests by verb, resource and code, and open
/// long-running requests (watches). Same names as kube-apiserver, Prometheus text format.
/// </summary>
public sealed class ApiMetrics
{
    readonly ConcurrentDictionary<(string Verb, string Resource, int Code), long> _requests = new();
    readonly ConcurrentDictionary<string, int> _watches = new();

    public void Request(string verb, string resource, int code) => _requests.AddOrUpdate((verb, resource, code), 1, (_, n) => n + 1);

    public void WatchOpened(string resource) => _watches.AddOrUpdate(resource, 1, (_, n) => n + 1);

    public void WatchClosed(string resource) => _watches.AddOrUpdate(resource, 0, (_, n) => Math.Max(0, n - 1));

    public int OpenWatches(string resource) => _watches.GetValueOrDefault(resource);

    public long Requests(string verb, string resource) => _requests.Where(r => r.Key.Verb == verb && r.Key.Resource == resource).Sum(r => r.Value);

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP apiserver_longrunning_requests [STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.\n");
        text.Append("# TYPE apiserver_longrunning_requests gauge\n");
        foreach (var (resource, count) in _watches.OrderBy(w => w.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"apiserver_longrunning_requests{{component=\"apiserver\",resource=\"{resource}\",verb=\"WATCH\"}} {count}\n");
        text.Append("# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.\n");
        text.Append("# TYPE apiserver_request_total counter\n");
        foreach (var ((verb, resource, code), count) in _requests.OrderBy(r => r.Key.Resource, StringComparer.Ordinal).ThenBy(r => r.Key.Verb, StringComparer.Ordinal).ThenBy(r => r.Key.Code))
            text.Append(CultureInfo.InvariantCulture, $"apiserver_request_total{{code=\"{code}\",component=\"apiserver\",resource=\"{resource}\",verb=\"{verb}\"}} {count}\n");
        return text.ToString();
    }
}
