using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Printing;

/// <summary>
/// Server-side printing (meta.k8s.io/v1 Table), so <c>kubectl get</c> and <c>get -w</c> show the real
/// columns: the column sets of pkg/printers/internalversion/printers.go. Wide columns are priority 1.
/// </summary>
public static class TablePrinter
{
    sealed record Column(string Name, string Type, int Priority = 0, string Format = "");

    static readonly Column NameColumn = new("Name", "string", 0, "name");
    static readonly Column AgeColumn = new("Age", "string");

    static Column[] ColumnsFor(ResourceType type) => type.Kind switch
    {
        "Pod" => [NameColumn, new("Ready", "string"), new("Status", "string"), new("Restarts", "string"), AgeColumn,
            new("IP", "string", 1), new("Node", "string", 1), new("Nominated Node", "string", 1), new("Readiness Gates", "string", 1)],
        "Deployment" => [NameColumn, new("Ready", "string"), new("Up-to-date", "integer"), new("Available", "integer"), AgeColumn,
            new("Containers", "string", 1), new("Images", "string", 1), new("Selector", "string", 1)],
        "ReplicaSet" => [NameColumn, new("Desired", "integer"), new("Current", "integer"), new("Ready", "integer"), AgeColumn,
            new("Containers", "string", 1), new("Images", "string", 1), new("Selector", "string", 1)],
        "Service" => [NameColumn, new("Type", "string"), new("Cluster-IP", "string"), new("External-IP", "string"), new("Port(s)", "string"), AgeColumn, new("Selector", "string", 1)],
        "Namespace" => [NameColumn, new("Status", "string"), AgeColumn],
        "Node" => [NameColumn, new("Status", "string"), new("Roles", "string"), AgeColumn, new("Version", "string"),
            new("Internal-IP", "string", 1), new("External-IP", "string", 1), new("OS-Image", "string", 1), new("Kernel-Version", "string", 1), new("Container-Runtime", "string", 1)],
        "Event" => [new("Last Seen", "string"), new("Type", "string"), new("Reason", "string"), new("Object", "string"), new("Subobject", "string", 1),
            new("Source", "string", 1), new("Message", "string"), new("First Seen", "string", 1), new("Count", "string", 1), new("Name", "string", 1)],
        "Endpoints" => [NameColumn, new("Endpoints", "string"), AgeColumn],
        _ => [NameColumn, AgeColumn],
    };

    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> objects, long resourceVersion, DateTime now, bool includeColumns = true)
    {
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
        };
        if (includeColumns)
            table["columnDefinitions"] = new JsonArray(ColumnsFor(type).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Name, ["priority"] = c.Priority,
            }).ToArray());
        table["rows"] = new JsonArray(objects.Select(o => (JsonNode)Row(type, o, now)).ToArray());
        return table;
    }

    static JsonObject Row(ResourceType type, JsonObject obj, DateTime now)
    {
        var cells = Cells(type, obj, now);
        var meta = (JsonObject)obj["metadata"]!.DeepClone();
        meta.Remove("managedFields");
        return new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(c => c switch
            {
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                _ => (JsonNode?)JsonValue.Create(c?.ToString() ?? ""),
            }).ToArray()),
            ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = meta },
        };
    }

    static object[] Cells(ResourceType type, JsonObject obj, DateTime now)
    {
        var name = obj["metadata"]?["name"]?.ToString() ?? "";
        var created = Time(obj["metadata"]?["creationTimestamp"]);
        var age = KubectlFormat.Age(created, now);
        switch (type.Kind)
        {
            case "Pod":
                {
                    var pod = ModelJson.ToModel<V1Pod>(obj);
                    var (ready, status, restarts, _, _) = KubectlFormat.PodColumns(pod, now);
                    var ip = pod.Status?.PodIPs?.FirstOrDefault()?.Ip ?? pod.Status?.PodIP;
                    return [name, ready, status, restarts, age, Or(ip), Or(pod.Spec?.NodeName), Or(pod.Status?.NominatedNodeName), "<none>"];
                }
            case "Deployment":
                {
                    var d = ModelJson.ToModel<V1Deployment>(obj);
                    var s = d.Status ?? new V1DeploymentStatus();
                    return [name, $"{s.ReadyReplicas ?? 0}/{d.Spec?.Replicas ?? 0}", s.UpdatedReplicas ?? 0, s.AvailableReplicas ?? 0, age,
                        Containers(d.Spec?.Template), Images(d.Spec?.Template), Selector(d.Spec?.Selector)];
                }
            case "ReplicaSet":
                {
                    var rs = ModelJson.ToModel<V1ReplicaSet>(obj);
                    var s = rs.Status ?? new V1ReplicaSetStatus();
                    return [name, rs.Spec?.Replicas ?? 0, s.Replicas, s.ReadyReplicas ?? 0, age,
                        Containers(rs.Spec?.Template), Images(rs.Spec?.Template), Selector(rs.Spec?.Selector)];
                }
            case "Service":
                {
                    var svc = ModelJson.ToModel<V1Service>(obj);
                    var ports = svc.Spec?.Ports is { Count: > 0 } ps
                        ? string.Join(",", ps.Select(p => p.NodePort is { } np && np != 0 ? $"{p.Port}:{np}/{p.Protocol}" : $"{p.Port}/{p.Protocol}"))
                        : "<none>";
                    var selector = svc.Spec?.Selector is { Count: > 0 } sel ? string.Join(",", sel.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}")) : "<none>";
                    return [name, svc.Spec?.Type ?? "ClusterIP", Or(svc.Spec?.ClusterIP), "<none>", ports, age, selector];
                }
            case "Namespace":
                return [name, obj["status"]?["phase"]?.ToString() ?? "Active", age];
            case "Node":
                {
                    var node = ModelJson.ToModel<V1Node>(obj);
                    var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True" ? "Ready" : "NotReady";
                    var info = node.Status?.NodeInfo;
                    return [name, ready, "<none>", age, info?.KubeletVersion ?? "", Or(node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address), "<none>",
                        info?.OsImage ?? "", info?.KernelVersion ?? "", info?.ContainerRuntimeVersion ?? ""];
                }
            case "Event":
                {
                    var last = Time(obj["lastTimestamp"]) ?? Time(obj["eventTime"]) ?? created;
                    var first = Time(obj["firstTimestamp"]) ?? created;
                    var involved = obj["involvedObject"];
                    var source = obj["source"]?["component"]?.ToString() ?? "";
                    if (obj["source"]?["host"]?.ToString() is { Length: > 0 } host) source += $", {host}";
                    return [KubectlFormat.Age(last, now), obj["type"]?.ToString() ?? "", obj["reason"]?.ToString() ?? "",
                        $"{involved?["kind"]?.ToString().ToLowerInvariant()}/{involved?["name"]}", involved?["fieldPath"]?.ToString() ?? "",
                        source, obj["message"]?.ToString() ?? "", KubectlFormat.Age(first, now), (obj["count"]?.ToInt() ?? 1).ToString(CultureInfo.InvariantCulture), name];
                }
            case "Endpoints":
                {
                    var addresses = new List<string>();
                    foreach (var subset in obj["subsets"] as JsonArray ?? [])
                        foreach (var address in subset?["addresses"] as JsonArray ?? [])
                            foreach (var port in subset?["ports"] as JsonArray ?? [])
                                addresses.Add($"{address?["ip"]}:{port?["port"]}");
                    var text = addresses.Count == 0 ? "<none>" : addresses.Count > 3 ? $"{string.Join(",", addresses.Take(3))} + {addresses.Count - 3} more..." : string.Join(",", addresses);
                    return [name, text, age];
                }
            default:
                return [name, age];
        }
    }

    static DateTime? Time(JsonNode? node) =>
        node is not null && DateTime.TryParse(node.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    static string Or(string? value) => string.IsNullOrEmpty(value) ? "<none>" : value;

    static string Containers(V1PodTemplateSpec? t) => string.Join(",", t?.Spec?.Containers?.Select(c => c.Name) ?? []);

    static string Images(V1PodTemplateSpec? t) => string.Join(",", t?.Spec?.Containers?.Select(c => c.Image) ?? []);

    static string Selector(V1LabelSelector? s)
    {
        if (s is null) return "<none>";
        var parts = (s.MatchLabels ?? new Dictionary<string, string>()).OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}").ToList();
        foreach (var e in s.MatchExpressions ?? [])
            parts.Add(e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({string.Join(",", e.Values ?? [])})",
                "NotIn" => $"{e.Key} notin ({string.Join(",", e.Values ?? [])})",
                "Exists" => e.Key,
                _ => $"!{e.Key}",
            });
        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }
}
