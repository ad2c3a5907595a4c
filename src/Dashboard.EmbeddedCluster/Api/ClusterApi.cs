using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Patching;
using Dashboard.EmbeddedCluster.Storage;
using k8s;
using k8s.Models;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Api;

public enum FieldValidation { Ignore, Warn, Strict }

/// <param name="Manager">Who writes (managedFields); the embedded cluster's controllers when not said.</param>
/// <param name="ManagedFields">The managed fields a server-side apply already worked out for this write.</param>
/// <param name="ManagedFieldsSubresource">The subresource the write came through, when it is written as the main resource (scale).</param>
public sealed record WriteOptions(bool DryRun = false, FieldValidation FieldValidation = FieldValidation.Warn, FieldManager? Manager = null, JsonArray? ManagedFields = null,
    string? ManagedFieldsSubresource = null)
{
    public static readonly WriteOptions Default = new();
}

public sealed record DeleteOptions(long? GracePeriodSeconds = null, string PropagationPolicy = "Background", long? PreconditionResourceVersion = null, bool DryRun = false);

/// <summary>A write's result and the warnings the apiserver returns in <c>Warning</c> headers.</summary>
public sealed record WriteResult(JsonObject Object, IReadOnlyList<string> Warnings);

/// <summary>
/// The apiserver's registry layer: defaulting, validation, strategies (generation, status, graceful
/// deletion), optimistic concurrency and patching, over the <see cref="ObjectStore"/>. HTTP requests
/// and the in-process controllers both go through here, so both see the same rules.
/// </summary>
public sealed class ClusterApi(ObjectStore store, TimeProvider clock)
{

    static readonly HashSet<ResourceType> HasGeneration =
    [
        ResourceTypes.Deployments, ResourceTypes.ReplicaSets, ResourceTypes.PodDisruptionBudgets, ResourceTypes.Ingresses,
        ResourceTypes.NetworkPolicies, ResourceTypes.HorizontalPodAutoscalers,
    ];

    int _nextClusterIp = 10;

    public ObjectStore Store => store;

    /// <summary>Now at the apiserver's precision: metav1.Time serialises whole seconds.</summary>
    public DateTime Now
    {
        get
        {
            var t = clock.GetUtcNow().UtcDateTime;
            return new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        }
    }
    public TimeProvider Clock => clock;

    public static bool HasStatusSubresource(ResourceType type) => type.Subresources.Contains("status");

    public JsonObject Get(ResourceType type, string? ns, string name) =>
        (store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name)).Clone();

    public StoredObject? Find(ResourceType type, string? ns, string name) => store.Get(type, ns, name);

    public T? TryGet<T>(ResourceType type, string? ns, string name) where T : class =>
        store.Get(type, ns, name) is { } stored ? ModelJson.ToModel<T>(stored.Object) : null;

    public (IReadOnlyList<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        if (fields.Name is { } name && (ns is not null || !type.Namespaced))
        {
            var rv = store.ResourceVersion;
            var one = store.Get(type, ns, name);
            return (one is not null && labels.Matches(one.Object) && fields.Matches(one.Object) ? [one] : [], rv);
        }
        var (items, resourceVersion) = store.List(type, ns);
        if (labels.IsEmpty && fields.IsEmpty) return (items, resourceVersion);
        return (items.Where(o => labels.Matches(o.Object) && fields.Matches(o.Object)).ToList(), resourceVersion);
    }

    /// <summary>A list as a client asked for it: whole, or a chunk of <paramref name="limit"/> from a continue token.</summary>
    public ListPage ListPage(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken, string? resourceVersion)
    {
        if (limit is not > 0 && string.IsNullOrEmpty(continueToken))
        {
            var (items, rv) = List(type, ns, labels, fields);
            return new ListPage(items, rv, null, null);
        }
        return ListPaging.Page(store, type, ns, labels, fields, limit, continueToken, resourceVersion);
    }

    // ---------------------------------------------------------------- create

    public WriteResult Create(ResourceType type, string? ns, JsonObject body, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        CheckKind(type, body);
        var meta = body["metadata"] as JsonObject ?? new JsonObject();
        body["metadata"] = meta;
        if (type.Namespaced)
        {
            var bodyNs = meta["namespace"]?.ToString();
            if (ns is null) ns = bodyNs ?? "default";
            else if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta["namespace"] = ns;
            RequireActiveNamespace(ns);
        }
        else meta.Remove("namespace");

        if (string.IsNullOrEmpty(meta["name"]?.ToString()) && meta["generateName"]?.ToString() is { Length: > 0 } prefix)
            meta["name"] = prefix + RandomSuffix();

        var (model, warnings) = ToModel(type, body, options.FieldValidation);
        Defaults.Apply(model);
        var typedMeta = ((IKubernetesObject<V1ObjectMeta>)model).Metadata;
        typedMeta.Uid = Guid.NewGuid().ToString();
        typedMeta.CreationTimestamp = Now;
        typedMeta.ResourceVersion = null;
        typedMeta.DeletionTimestamp = null;
        typedMeta.DeletionGracePeriodSeconds = null;
        typedMeta.Generation = HasGeneration.Contains(type) ? 1 : null;
        typedMeta.ManagedFields = null;
        var errors = Validation.Validate(type, model, null);
        if (errors.Count > 0) throw ApiException.Invalid(type, typedMeta.Name ?? "", errors);

        switch (model)
        {
            case V1Deployment d: d.Status = new V1DeploymentStatus(); break;
            case V1ReplicaSet rs: rs.Status = new V1ReplicaSetStatus { Replicas = 0 }; break;
            case V1Service s: AllocateServiceAddresses(s, null); break;
        }

        var json = Normalise(type, model);
        var manager = options.Manager ?? FieldManager.Controllers;
        ((JsonObject)json["metadata"]!)["managedFields"] = options.ManagedFields?.DeepClone()
            ?? (manager.IsApply ? ManagedFields.Apply(type, null, manager, null, Now).ManagedFields : ManagedFields.AfterUpdate(type, null, json, manager, null, Now));
        if (options.DryRun) return new(json, warnings);
        return new(store.Create(type, json).Clone(), warnings);
    }

    /// <summary>Typed convenience for the controllers.</summary>
    public T Create<T>(ResourceType type, T model, FieldManager? manager = null) where T : class =>
        ModelJson.ToModel<T>(Create(type, ((IKubernetesObject<V1ObjectMeta>)model).Metadata.NamespaceProperty, ModelJson.ToJson(model), new WriteOptions(Manager: manager)).Object);

    // ---------------------------------------------------------------- update

    /// <summary>
    /// PUT semantics. A resourceVersion in the body is a precondition; without one the update is
    /// unconditional, as the real apiserver allows for these kinds.
    /// </summary>
    public WriteResult Update(ResourceType type, string? ns, string name, JsonObject body, string? subresource = null, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        CheckKind(type, body);
        var current = store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
        var meta = body["metadata"] as JsonObject ?? throw ApiException.BadRequest("metadata is required");
        if (meta["name"]?.ToString() is { } bodyName && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        long? precondition = meta["resourceVersion"]?.ToString() is { Length: > 0 } rvText
            ? long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : throw ApiException.BadRequest($"invalid resourceVersion \"{rvText}\"")
            : null;
        if (precondition is { } p && p != current.ResourceVersion) throw ApiException.Conflict(type, name);
        var (model, warnings) = ToModel(type, body, options.FieldValidation);
        var result = Commit(type, current, model, subresource, options);
        return new(result, warnings);
    }

    public T Update<T>(ResourceType type, T model, FieldManager? manager = null) where T : class
    {
        var meta = ((IKubernetesObject<V1ObjectMeta>)model).Metadata;
        return ModelJson.ToModel<T>(Update(type, meta.NamespaceProperty, meta.Name, ModelJson.ToJson(model), options: new WriteOptions(Manager: manager)).Object);
    }

    public T UpdateStatus<T>(ResourceType type, T model, FieldManager? manager = null) where T : class
    {
        var meta = ((IKubernetesObject<V1ObjectMeta>)model).Metadata;
        return ModelJson.ToModel<T>(Update(type, meta.NamespaceProperty, meta.Name, ModelJson.ToJson(model), "status", new WriteOptions(Manager: manager)).Object);
    }

    JsonObject Commit(ResourceType type, StoredObject current, object model, string? subresource, WriteOptions options)
    {
        var dryRun = options.DryRun;
        var old = ModelJson.ToModel(current.Object, type.Model!);
        var oldMeta = ((IKubernetesObject<V1ObjectMeta>)old).Metadata;
        var meta = ((IKubernetesObject<V1ObjectMeta>)model).Metadata;

        // Fields a client can never change.
        meta.Uid = oldMeta.Uid;
        meta.CreationTimestamp = oldMeta.CreationTimestamp;
        meta.NamespaceProperty = oldMeta.NamespaceProperty;
        meta.Name = oldMeta.Name;
        meta.DeletionTimestamp = oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds;
        meta.Generation = oldMeta.Generation;
        meta.ManagedFields = null;
        meta.GenerateName ??= oldMeta.GenerateName;

        if (subresource == "status")
        {
            // Status writers may not touch spec; Deployments also keep their labels (strategy.go).
            CopySpec(old, model);
            if (model is V1Deployment) meta.Labels = oldMeta.Labels;
        }
        else if (HasStatusSubresource(type))
        {
            CopyStatus(old, model);
        }

        Defaults.Apply(model);
        var errors = Validation.Validate(type, model, old);
        if (errors.Count > 0) throw ApiException.Invalid(type, meta.Name ?? "", errors);

        if (subresource != "status" && HasGeneration.Contains(type))
        {
            var specChanged = SpecJson(type, old) != SpecJson(type, model);
            var annotationsChanged = model is V1Deployment && ModelJson.Canonical(ModelJson.ToJson(new V1ObjectMeta { Annotations = meta.Annotations }))
                != ModelJson.Canonical(ModelJson.ToJson(new V1ObjectMeta { Annotations = oldMeta.Annotations }));
            if (specChanged || annotationsChanged) meta.Generation = (oldMeta.Generation ?? 0) + 1;
        }
        if (model is V1Service svc) AllocateServiceAddresses(svc, (V1Service)old);

        var json = Normalise(type, model);
        json["metadata"]!["resourceVersion"] = current.Object["metadata"]!["resourceVersion"]?.DeepClone();
        var managed = options.ManagedFields?.DeepClone() as JsonArray
            ?? ManagedFields.AfterUpdate(type, current.Object, json, options.Manager ?? FieldManager.Controllers, subresource ?? options.ManagedFieldsSubresource, Now);
        if (managed is not null) ((JsonObject)json["metadata"]!)["managedFields"] = managed;
        // A write that changes nothing is not a write: no new resourceVersion, no watch event.
        if (ModelJson.Canonical(json) == ModelJson.Canonical(current.Object)) return current.Clone();
        if (dryRun) return json;

        if (meta.DeletionTimestamp is not null && (meta.Finalizers?.Count ?? 0) == 0 && type != ResourceTypes.Pods)
        {
            var deleted = store.Delete(type, meta.NamespaceProperty, meta.Name!, current.ResourceVersion);
            return deleted?.Clone() ?? json;
        }
        return store.Update(type, json, current.ResourceVersion).Clone();
    }

    static string SpecJson(ResourceType type, object model) =>
        ModelJson.Canonical(ModelJson.ToJson(model)["spec"]);

    static void CopyStatus(object from, object to)
    {
        var prop = from.GetType().GetProperty("Status");
        prop?.SetValue(to, prop.GetValue(from));
    }

    static void CopySpec(object from, object to)
    {
        var prop = from.GetType().GetProperty("Spec");
        prop?.SetValue(to, prop.GetValue(from));
    }

    // ---------------------------------------------------------------- patch

    public WriteResult Patch(ResourceType type, string? ns, string name, string contentType, string body, string? subresource = null, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        JsonNode? patch;
        try { patch = contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase) ? YamlJson.Parse(body) : JsonNode.Parse(body); }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        // Optimistic retries on our own read-modify-write: a patch without a resourceVersion is
        // applied to whatever is current, as kube-apiserver's GuaranteedUpdate does.
        var isApply = contentType.StartsWith("application/apply-patch", StringComparison.Ordinal);
        for (var attempt = 0; ; attempt++)
        {
            var current = store.Get(type, ns, name);
            if (isApply)
            {
                if (patch is not JsonObject config) throw ApiException.BadRequest("apply patch must be an object");
                var applier = (options.Manager ?? throw ApiException.BadRequest("fieldManager is required for apply patch")) with { Applied = config };
                if (current is null) return Create(type, ns, (JsonObject)config.DeepClone(), options with { Manager = applier });
                // A resourceVersion in the applied configuration is the client's precondition, as in any other patch.
                if (config["metadata"]?["resourceVersion"]?.ToString() is { Length: > 0 } pinned && pinned != current.Object["metadata"]!["resourceVersion"]!.ToString())
                    throw ApiException.Conflict(type, name);
                var (merged, managedFields) = ManagedFields.Apply(type, current.Object, applier, subresource, Now);
                merged["metadata"]!["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
                try { return Update(type, ns, name, merged, subresource, options with { Manager = applier, ManagedFields = managedFields }); }
                catch (ApiException e) when (e.Code == 409 && e.Reason == "Conflict" && e.Details?["causes"] is null && attempt < 5) { continue; }
            }
            if (current is null) throw ApiException.NotFound(type, name);
            var source = subresource == "scale" ? ScaleOf(type, current) : current.Clone();
            JsonObject patched = contentType.Split(';')[0].Trim() switch
            {
                "application/json-patch+json" => JsonPatch.Apply(source, patch as JsonArray ?? throw ApiException.BadRequest("json patch must be an array")),
                "application/merge-patch+json" => JsonMergePatch.Apply(source, patch) as JsonObject ?? throw ApiException.BadRequest("merge patch must be an object"),
                "application/strategic-merge-patch+json" => type.Model is null || subresource == "scale"
                    ? JsonMergePatch.Apply(source, patch) as JsonObject ?? throw ApiException.BadRequest("patch must be an object")
                    : StrategicMergePatch.Apply(source, patch as JsonObject ?? throw ApiException.BadRequest("strategic merge patch must be an object")),
                _ => throw ApiException.UnsupportedMediaType(contentType),
            };
            try
            {
                if (subresource == "scale") return new(ApplyScale(type, current, patched, options), []);
                // A resourceVersion the patch itself carries is the client's precondition.
                var patchRv = patched["metadata"]?["resourceVersion"]?.ToString();
                if (patchRv != current.Object["metadata"]!["resourceVersion"]!.ToString() && patchRv is { Length: > 0 })
                    throw ApiException.Conflict(type, name);
                patched["metadata"]!["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
                return Update(type, ns, name, patched, subresource, options);
            }
            catch (ApiException e) when (e.Code == 409 && e.Reason == "Conflict" && attempt < 5 && !ClientPrecondition(patch, current))
            {
            }
        }
    }

    /// <summary>
    /// Only a resourceVersion the client put in the patch pins it to one version. Anything else,
    /// JSON-patch tests included, is re-applied to the fresh object when our own read-modify-write
    /// loses a race (GuaranteedUpdate), so a concurrent status write never fails a client's patch.
    /// </summary>
    static bool ClientPrecondition(JsonNode? patch, StoredObject current) =>
        patch is JsonObject o && o["metadata"]?["resourceVersion"] is not null;

    // ---------------------------------------------------------------- scale

    public JsonObject ScaleOf(ResourceType type, StoredObject stored)
    {
        var obj = stored.Object;
        var selector = LabelSelectorString(obj["spec"]?["selector"]);
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = stored.Name,
                ["namespace"] = stored.Namespace,
                ["uid"] = obj["metadata"]?["uid"]?.DeepClone(),
                ["resourceVersion"] = stored.ResourceVersion.ToString(CultureInfo.InvariantCulture),
                ["creationTimestamp"] = obj["metadata"]?["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.ToInt() ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.ToInt() ?? 0,
                ["selector"] = selector,
            },
        };
    }

    public JsonObject ApplyScale(ResourceType type, StoredObject current, JsonObject scale, WriteOptions? options = null)
    {
        var replicas = scale["spec"]?["replicas"];
        if (replicas is null || !int.TryParse(replicas.ToString(), out var n))
            throw ApiException.BadRequest("spec.replicas is required and must be an integer");
        if (n < 0) throw ApiException.Invalid(type, current.Name, [("spec.replicas", "FieldValueInvalid", $"Invalid value: {n}: must be greater than or equal to 0")]);
        if (scale["metadata"]?["resourceVersion"]?.ToString() is { Length: > 0 } rv && rv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            throw ApiException.Conflict(type, current.Name);
        var obj = current.Clone();
        obj["spec"]!["replicas"] = n;
        var updated = Update(type, current.Namespace, current.Name, obj, null, (options ?? WriteOptions.Default) with { ManagedFieldsSubresource = "scale" }).Object;
        return ScaleOf(type, new StoredObject(type, updated, long.Parse(updated["metadata"]!["resourceVersion"]!.ToString(), CultureInfo.InvariantCulture)));
    }

    static string LabelSelectorString(JsonNode? selector)
    {
        var parts = new List<string>();
        if (selector?["matchLabels"] is JsonObject ml) parts.AddRange(ml.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        if (selector?["matchExpressions"] is JsonArray me)
            foreach (var e in me.OfType<JsonObject>())
            {
                var values = string.Join(",", (e["values"] as JsonArray ?? []).Select(v => v?.ToString()));
                parts.Add(e["operator"]?.ToString() switch
                {
                    "In" => $"{e["key"]} in ({values})",
                    "NotIn" => $"{e["key"]} notin ({values})",
                    "Exists" => $"{e["key"]}",
                    _ => $"!{e["key"]}",
                });
            }
        return string.Join(",", parts);
    }

    // ---------------------------------------------------------------- delete

    /// <summary>
    /// Deletes an object. Pods on a node are deleted gracefully (deletionTimestamp now, removal by the
    /// kubelet later); namespaces and objects with finalizers are marked and finished by their
    /// controllers; everything else goes at once, and the garbage collector follows owner references.
    /// </summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteOptions? options = null)
    {
        options ??= new DeleteOptions();
        var current = store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
        if (options.PreconditionResourceVersion is { } pre && pre != current.ResourceVersion) throw ApiException.Conflict(type, name);
        if (options.DryRun) return current.Clone();
        var obj = current.Clone();
        var meta = (JsonObject)obj["metadata"]!;
        var now = clock.GetUtcNow();

        if (type == ResourceTypes.Pods)
        {
            var grace = options.GracePeriodSeconds ?? obj["spec"]?["terminationGracePeriodSeconds"]?.ToLong() ?? 30;
            var phase = obj["status"]?["phase"]?.ToString();
            var scheduled = !string.IsNullOrEmpty(obj["spec"]?["nodeName"]?.ToString());
            if (!scheduled || phase is "Succeeded" or "Failed") grace = 0;
            if (grace < 0) grace = 1;
            if (grace > 0)
            {
                if (meta["deletionGracePeriodSeconds"]?.ToLong() is { } existing && existing <= grace) return obj;
                meta["deletionTimestamp"] = ModelJson.Timestamp(now.AddSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                return store.Update(type, obj, current.ResourceVersion).Clone();
            }
            return (store.Delete(type, ns, name) ?? current).Clone();
        }

        if (type == ResourceTypes.Namespaces)
        {
            if (meta["deletionTimestamp"] is not null) return obj;
            meta["deletionTimestamp"] = ModelJson.Timestamp(now);
            meta["deletionGracePeriodSeconds"] = 0;
            obj["status"] = new JsonObject { ["phase"] = "Terminating" };
            return store.Update(type, obj, current.ResourceVersion).Clone();
        }

        // Foreground: the object stays, terminating, with the foregroundDeletion finalizer until the garbage
        // collector has deleted the dependents that block it; Orphan: with the orphan finalizer until the
        // collector has taken its reference off every dependent (registry/generic/registry/store.go).
        if (options.PropagationPolicy is "Foreground" or "Orphan" && meta["deletionTimestamp"] is null)
        {
            var finalizer = options.PropagationPolicy == "Foreground" ? ForegroundDeletion : OrphanFinalizer;
            var finalizers = meta["finalizers"] as JsonArray ?? (JsonArray)(meta["finalizers"] = new JsonArray());
            if (!finalizers.Any(f => f?.ToString() == finalizer)) finalizers.Add(finalizer);
        }
        if (meta["finalizers"] is JsonArray { Count: > 0 })
        {
            if (meta["deletionTimestamp"] is not null) return obj;
            meta["deletionTimestamp"] = ModelJson.Timestamp(now);
            meta["deletionGracePeriodSeconds"] = 0;
            return store.Update(type, obj, current.ResourceVersion).Clone();
        }
        return (store.Delete(type, ns, name) ?? current).Clone();
    }

    public const string ForegroundDeletion = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    /// <summary>Takes the owner's reference off each of its dependents (the orphan finalizer's work).</summary>
    public void OrphanDependents(string? ownerUid)
    {
        if (ownerUid is null) return;
        foreach (var type in ResourceTypes.All.Where(t => t.Namespaced))
            foreach (var dependent in store.OwnedBy(type, ownerUid)) DropOwnerReference(dependent, ownerUid);
    }

    /// <summary>Takes one owner's reference off a dependent; an emptied list is omitted, as Go's JSON omits it.</summary>
    public void DropOwnerReference(StoredObject dependent, string ownerUid)
    {
        var obj = dependent.Clone();
        var refs = (JsonArray)obj["metadata"]!["ownerReferences"]!;
        foreach (var r in refs.Where(r => r?["uid"]?.ToString() == ownerUid).ToList()) refs.Remove(r);
        if (refs.Count == 0) ((JsonObject)obj["metadata"]!).Remove("ownerReferences");
        try { store.Update(dependent.Type, obj, dependent.ResourceVersion); }
        catch (ApiException e) when (e.Code is 404 or 409) { }
    }

    // ---------------------------------------------------------------- helpers

    void CheckKind(ResourceType type, JsonObject body)
    {
        var kind = body["kind"]?.ToString();
        var apiVersion = body["apiVersion"]?.ToString();
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
            throw ApiException.BadRequest($"{kind} in version \"{apiVersion}\" cannot be handled as a {type.Kind}: the object kind is {kind}, not {type.Kind}");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.GroupVersion)
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        body["kind"] = type.Kind;
        body["apiVersion"] = type.GroupVersion;
    }

    void RequireActiveNamespace(string ns)
    {
        var stored = store.Get(ResourceTypes.Namespaces, null, ns) ?? throw ApiException.NotFound(ResourceTypes.Namespaces, ns);
        if (stored.Object["metadata"]?["deletionTimestamp"] is not null)
            throw new ApiException(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated");
    }

    static (object Model, IReadOnlyList<string> Warnings) ToModel(ResourceType type, JsonObject body, FieldValidation validation)
    {
        object model;
        try { model = ModelJson.ToModel(body, type.Model!); }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {e.Message}");
        }
        if (validation == FieldValidation.Ignore) return (model, []);
        var unknown = ModelJson.UnknownFields(body, ModelJson.ToJson(model));
        if (unknown.Count == 0) return (model, []);
        if (validation == FieldValidation.Strict)
            throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""))}");
        return (model, unknown.Select(u => $"unknown field \"{u}\"").ToList());
    }

    static JsonObject Normalise(ResourceType type, object model)
    {
        var json = ModelJson.ToJson(model);
        json["kind"] = type.Kind;
        json["apiVersion"] = type.GroupVersion;
        return json;
    }

    static string RandomSuffix() =>
        string.Create(5, 0, (span, _) => { for (var i = 0; i < span.Length; i++) span[i] = Ownership.NameAlphabet[Random.Shared.Next(Ownership.NameAlphabet.Length)]; });

    void AllocateServiceAddresses(V1Service service, V1Service? old)
    {
        var spec = service.Spec;
        if (spec.ClusterIP is null && old?.Spec?.ClusterIP is { } oldIp) spec.ClusterIP = oldIp;
        if (spec.ClusterIP is null)
        {
            var n = Interlocked.Increment(ref _nextClusterIp);
            spec.ClusterIP = $"10.96.{n / 250}.{n % 250 + 1}";
        }
        spec.ClusterIPs ??= [spec.ClusterIP];
        if (spec.Type is not ("NodePort" or "LoadBalancer") || spec.Ports is null) return;
        var used = store.Where(ResourceTypes.Services, null, o => o.Object["metadata"]?["uid"]?.ToString() != service.Metadata.Uid)
            .SelectMany(o => o.Object["spec"]?["ports"] as JsonArray ?? [])
            .Select(p => p?["nodePort"]?.ToInt() ?? 0).ToHashSet();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            if (port.NodePort is null && old?.Spec?.Ports?.FirstOrDefault(p => p.Port == port.Port)?.NodePort is { } keep) port.NodePort = keep;
            if (port.NodePort is { } requested)
            {
                if (requested is < 30000 or > 32767)
                    throw ApiException.Invalid(ResourceTypes.Services, service.Metadata.Name, [($"spec.ports[{i}].nodePort", "FieldValueInvalid", $"Invalid value: {requested}: provided port is not in the valid range. The range of valid ports is 30000-32767")]);
                if (used.Contains(requested))
                    throw ApiException.Invalid(ResourceTypes.Services, service.Metadata.Name, [($"spec.ports[{i}].nodePort", "FieldValueInvalid", $"Invalid value: {requested}: provided port is already allocated")]);
            }
            else
            {
                int candidate;
                do candidate = Random.Shared.Next(30000, 32768); while (used.Contains(candidate));
                port.NodePort = candidate;
            }
            used.Add(port.NodePort!.Value);
        }
    }
}
