using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>
/// Writes core/v1 Events as the controllers and kubelet do. Repeats of the same reason and message
/// for the same object bump <c>count</c> instead of adding objects, and each namespace keeps a
/// bounded number, so a long-running churn does not grow the store without end.
/// </summary>
public sealed class EventRecorder(ClusterApi api, int perNamespaceLimit = 1000)
{
    readonly Lock _gate = new();
    readonly Dictionary<string, Queue<string>> _byNamespace = [];
    readonly Dictionary<string, string> _byAggregate = [];

    public void Normal(JsonObject involved, string reason, string message, string component) => Record(involved, "Normal", reason, message, component);

    public void Warning(JsonObject involved, string reason, string message, string component) => Record(involved, "Warning", reason, message, component);

    public void Record(JsonObject involved, string type, string reason, string message, string component, string? host = null)
    {
        var meta = involved["metadata"]!;
        var ns = meta["namespace"]?.ToString() ?? "default";
        var name = meta["name"]!.ToString();
        var kind = involved["kind"]?.ToString() ?? "";
        var uid = meta["uid"]?.ToString();
        var now = ModelJson.Timestamp(api.Clock.GetUtcNow());
        var aggregateKey = $"{ns}/{kind}/{name}/{uid}/{type}/{reason}/{message}";

        lock (_gate)
        {
            if (_byAggregate.TryGetValue(aggregateKey, out var existingName) && api.Find(ResourceTypes.Events, ns, existingName) is { } existing)
            {
                var updated = existing.Clone();
                updated["count"] = (updated["count"]?.ToInt() ?? 1) + 1;
                updated["lastTimestamp"] = now;
                try { api.Store.Update(ResourceTypes.Events, updated, existing.ResourceVersion); return; }
                catch (ApiException) { }
            }

            var eventName = $"{name}.{Guid.NewGuid():N}"[..Math.Min(name.Length + 17, 253)];
            var source = new JsonObject { ["component"] = component };
            if (host is not null) source["host"] = host;
            var ev = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = kind,
                    ["namespace"] = ns,
                    ["name"] = name,
                    ["uid"] = uid,
                    ["apiVersion"] = involved["apiVersion"]?.ToString(),
                    ["resourceVersion"] = meta["resourceVersion"]?.ToString(),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["source"] = source,
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["reportingComponent"] = component,
                ["reportingInstance"] = host ?? "",
            };
            try
            {
                api.Create(ResourceTypes.Events, ns, ev);
            }
            catch (ApiException)
            {
                return; // the namespace is going away; its events go with it
            }
            _byAggregate[aggregateKey] = eventName;
            if (!_byNamespace.TryGetValue(ns, out var names)) _byNamespace[ns] = names = new Queue<string>();
            names.Enqueue(eventName);
            while (names.Count > perNamespaceLimit)
            {
                var oldest = names.Dequeue();
                api.Store.Delete(ResourceTypes.Events, ns, oldest);
            }
            if (_byAggregate.Count > perNamespaceLimit * 20) _byAggregate.Clear();
        }
    }
}
