using System.Text.Json.Nodes;
using k8s.Models;
using Dashboard.EmbeddedCluster.Api;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Controllers;

/// <summary>
/// The endpoints and endpointslice controllers: a Service's Endpoints list the ready, non-terminating
/// pods its selector matches (notReadyAddresses for the rest); its EndpointSlice lists them all with
/// ready/serving/terminating conditions, terminating pods included, as the real controllers publish them.
/// </summary>
public sealed class EndpointsController(ClusterApi api)
{
    public const string Kind = "endpoints";

    public void Sync(string key)
    {
        var (ns, name) = Keys.Split(key);
        var service = api.TryGet<V1Service>(ResourceTypes.Services, ns, name);
        if (service?.Spec?.Selector is not { Count: > 0 } selector)
        {
            // Services without a selector manage their own Endpoints.
            if (service is null && api.Find(ResourceTypes.Endpoints, ns, name) is not null) api.Store.Delete(ResourceTypes.Endpoints, ns, name);
            if (service is null)
                foreach (var slice in api.Store.Where(ResourceTypes.EndpointSlices, ns, o => LabelSelector.Labels(o.Object).GetValueOrDefault(WellKnown.ServiceNameLabel) == name))
                    api.Store.Delete(ResourceTypes.EndpointSlices, ns, slice.Name);
            return;
        }
        var selected = api.Store.Where(ResourceTypes.Pods, ns, o =>
                LabelSelector.Labels(o.Object) is var labels && Labels.Match(selector, labels))
            .Select(o => o.View<V1Pod>())
            .Where(p => !string.IsNullOrEmpty(p.Status?.PodIP))
            .ToList();
        PublishSlice(service, selected);
        var pods = selected
            .Where(p => p.Metadata.DeletionTimestamp is null)
            .OrderBy(p => p.Status.PodIP, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        V1EndpointAddress Address(V1Pod p) => new()
        {
            Ip = p.Status.PodIP, NodeName = p.Spec.NodeName,
            TargetRef = new V1ObjectReference { Kind = "Pod", NamespaceProperty = ns, Name = p.Metadata.Name, Uid = p.Metadata.Uid },
        };
        var ready = pods.Where(PodState.IsReady).Select(Address).ToList();
        var notReady = pods.Where(p => !PodState.IsReady(p)).Select(Address).ToList();
        var ports = (service.Spec.Ports ?? []).Select(p => new Corev1EndpointPort
        {
            Name = p.Name, Protocol = p.Protocol,
            Port = ResolveTargetPort(p, pods.FirstOrDefault()),
        }).ToList();
        var subsets = ready.Count + notReady.Count == 0 ? null : new List<V1EndpointSubset>
        {
            new() { Addresses = ready.Count > 0 ? ready : null, NotReadyAddresses = notReady.Count > 0 ? notReady : null, Ports = ports },
        };
        var endpoints = new V1Endpoints
        {
            ApiVersion = "v1", Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = service.Metadata.Labels },
            Subsets = subsets,
        };
        var existing = api.Find(ResourceTypes.Endpoints, ns, name);
        if (existing is null) api.Create(ResourceTypes.Endpoints, ns, ModelJson.ToJson(endpoints));
        else
        {
            var json = ModelJson.ToJson(endpoints);
            json["metadata"]!["resourceVersion"] = existing.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            api.Update(ResourceTypes.Endpoints, ns, name, json);
        }
    }


    void PublishSlice(V1Service service, List<V1Pod> pods)
    {
        var ns = service.Metadata.NamespaceProperty;
        // The real controller uses generateName; a name derived from the Service's uid keeps one stable slice per Service.
        var name = $"{service.Metadata.Name}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(service.Metadata.Uid ?? "")))[..5]}";
        var slice = new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice", AddressType = "IPv4",
            Metadata = new V1ObjectMeta
            {
                Name = name, NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [WellKnown.ServiceNameLabel] = service.Metadata.Name, ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
            },
            Endpoints = pods.OrderBy(p => p.Status.PodIP, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).Select(p => new V1Endpoint
            {
                Addresses = [p.Status.PodIP],
                Conditions = new V1EndpointConditions
                {
                    Ready = PodState.IsReady(p) && p.Metadata.DeletionTimestamp is null,
                    Serving = PodState.IsReady(p),
                    Terminating = p.Metadata.DeletionTimestamp is not null,
                },
                NodeName = p.Spec.NodeName,
                TargetRef = new V1ObjectReference { Kind = "Pod", NamespaceProperty = ns, Name = p.Metadata.Name, Uid = p.Metadata.Uid },
            }).ToList(),
            Ports = (service.Spec.Ports ?? []).Select(p => new Discoveryv1EndpointPort { Name = p.Name, Protocol = p.Protocol, Port = ResolveTargetPort(p, pods.FirstOrDefault()) }).ToList(),
        };
        var json = ModelJson.ToJson(slice);
        var existing = api.Find(ResourceTypes.EndpointSlices, ns, name);
        if (existing is null) api.Create(ResourceTypes.EndpointSlices, ns, json);
        else
        {
            json["metadata"]!["resourceVersion"] = existing.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            api.Update(ResourceTypes.EndpointSlices, ns, name, json);
        }
    }

    static int ResolveTargetPort(V1ServicePort port, V1Pod? pod)
    {
        var target = port.TargetPort?.Value;
        if (target is not null && int.TryParse(target, out var n)) return n;
        if (target is not null && pod is not null)
            foreach (var c in pod.Spec.Containers)
                if (c.Ports?.FirstOrDefault(cp => cp.Name == target) is { } named) return named.ContainerPort;
        return port.Port;
    }

    /// <summary>The services in a namespace whose selector matches these labels.</summary>
    public IEnumerable<string> ServicesSelecting(string? ns, IReadOnlyDictionary<string, string> labels) =>
        api.Store.Where(ResourceTypes.Services, ns, o =>
                o.Object["spec"]?["selector"] is JsonObject { Count: > 0 } sel
                && sel.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value?.ToString()))
            .Select(o => o.Name);
}

/// <summary>
/// The garbage collector: when an owner goes, its dependents (by ownerReference uid) are deleted in
/// the background, so deleting a Deployment takes its ReplicaSets and then their pods with it.
/// </summary>
public sealed class GarbageCollector(ClusterApi api)
{
    public const string Kind = "gc";

    public void Sync(string key)
    {
        var (ns, uid) = Keys.Split(key);
        foreach (var type in ResourceTypes.All.Where(t => t.Namespaced))
            foreach (var dependent in api.Store.OwnedBy(type, uid))
            {
                var refs = (JsonArray)dependent.Object["metadata"]!["ownerReferences"]!;
                // A dependent with another owner still alive only loses this reference.
                if (refs.Count > 1)
                {
                    api.DropOwnerReference(dependent, uid);
                    continue;
                }
                try { api.Delete(type, dependent.Namespace, dependent.Name); }
                catch (ApiException e) when (e.Code == 404) { }
            }
    }
}

/// <summary>
/// The garbage collector's finalizers. Foreground, as its <c>attemptToDeleteItem</c> does it for an owner
/// waiting for its dependents: each dependent is deleted in the foreground too, and once no dependent with
/// <c>blockOwnerDeletion</c> is left the owner loses the foregroundDeletion finalizer and goes. Orphan, as
/// <c>orphanDependents</c>: every dependent loses its reference to the owner, then the orphan finalizer goes.
/// </summary>
public sealed class DeletionFinalizers(ClusterApi api)
{
    public const string Kind = "gc-finalizers";

    public static string KeyOf(ResourceType type, string? ns, string name) => $"{type.Key}\u0001{ns}\u0001{name}";

    public void Sync(string key)
    {
        var parts = key.Split('\u0001');
        var type = ResourceTypes.All.First(t => t.Key == parts[0]);
        var ns = parts[1].Length == 0 ? null : parts[1];
        var owner = api.Store.Get(type, ns, parts[2]);
        var meta = owner?.Object["metadata"];
        if (meta?["deletionTimestamp"] is null || meta["finalizers"] is not JsonArray finalizers) return;
        var uid = meta["uid"]!.ToString();
        if (finalizers.Any(f => f?.ToString() == ClusterApi.OrphanFinalizer))
        {
            api.OrphanDependents(uid);
            Finish(type, ns, owner!, ClusterApi.OrphanFinalizer);
            return;
        }
        if (!finalizers.Any(f => f?.ToString() == ClusterApi.ForegroundDeletion)) return;
        var blocking = 0;
        foreach (var dependentType in ResourceTypes.All.Where(t => t.Namespaced))
            foreach (var dependent in api.Store.OwnedBy(dependentType, uid))
            {
                var reference = (dependent.Object["metadata"]!["ownerReferences"] as JsonArray)?.FirstOrDefault(r => r?["uid"]?.ToString() == uid);
                if (reference?["blockOwnerDeletion"]?.GetValue<bool>() == true) blocking++;
                if (dependent.Object["metadata"]!["deletionTimestamp"] is not null) continue;
                try { api.Delete(dependentType, dependent.Namespace, dependent.Name, new DeleteOptions(PropagationPolicy: "Foreground")); }
                catch (ApiException e) when (e.Code is 404 or 409) { }
            }
        if (blocking > 0) return; // a dependent's deletion brings the owner back here
        Finish(type, ns, owner!, ClusterApi.ForegroundDeletion);
    }

    /// <summary>The finalizer's work is done: it comes off, and the object goes when it was the last.</summary>
    void Finish(ResourceType type, string? ns, Storage.StoredObject owner, string finalizer)
    {
        var copy = owner.Clone();
        var left = (JsonArray)copy["metadata"]!["finalizers"]!;
        foreach (var f in left.Where(f => f?.ToString() == finalizer).ToList()) left.Remove(f);
        try
        {
            if (left.Count == 0) api.Store.Delete(type, ns, owner.Name, owner.ResourceVersion);
            else api.Store.Update(type, copy, owner.ResourceVersion);
        }
        catch (ApiException e) when (e.Code is 404 or 409) { }
    }
}

/// <summary>The namespace controller: a deleted namespace empties itself, then goes.</summary>
public sealed class NamespaceController(ClusterApi api, ControllerLoop loop)
{
    public const string Kind = "namespace";

    public void Sync(string name)
    {
        var ns = api.Find(ResourceTypes.Namespaces, null, name);
        if (ns?.Object["metadata"]?["deletionTimestamp"] is null) return;
        var remaining = 0;
        foreach (var type in ResourceTypes.All.Where(t => t.Namespaced && t != ResourceTypes.Events))
            foreach (var obj in api.Store.List(type, name).Items)
            {
                remaining++;
                if (obj.Object["metadata"]?["deletionTimestamp"] is not null) continue;
                try { api.Delete(type, name, obj.Name); }
                catch (ApiException e) when (e.Code == 404) { }
            }
        if (remaining > 0)
        {
            loop.EnqueueAfter(Kind, name, TimeSpan.FromMilliseconds(500));
            return;
        }
        foreach (var ev in api.Store.List(ResourceTypes.Events, name).Items) api.Store.Delete(ResourceTypes.Events, name, ev.Name);
        api.Store.Delete(ResourceTypes.Namespaces, null, name);
    }
}
