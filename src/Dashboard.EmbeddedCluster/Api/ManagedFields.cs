using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Patching;
using Dashboard.EmbeddedCluster.Protobuf;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>Who makes a write: the field manager, and for server-side apply the configuration it applies.</summary>
public sealed record FieldManager(string Name, JsonObject? Applied = null, bool Force = false)
{
    /// <summary>The embedded cluster's own controllers, as kube-controller-manager's.</summary>
    public static readonly FieldManager Controllers = new("kube-controller-manager");
    public static readonly FieldManager Kubelet = new("kubelet");

    public bool IsApply => Applied is not null;

    /// <summary>As kube-apiserver names a manager a request did not name: the User-Agent up to its first '/', else "unknown" (handlers/create.go).</summary>
    public static string FromUserAgent(string? userAgent)
    {
        var name = (userAgent ?? "").Split('/')[0].Trim();
        return name.Length == 0 ? "unknown" : name;
    }
}

/// <summary>
/// <c>metadata.managedFields</c> as kube-apiserver keeps them (apimachinery <c>util/managedfields/internal</c>
/// over structured-merge-diff): one entry per (manager, operation, apiVersion, subresource), each owning a
/// set of fields written as <c>fieldsV1</c>. An Update gives its manager the fields it added or changed and
/// takes them from the others; an Apply makes the applied configuration's fields its manager's, reports a
/// conflict when another manager owns a field whose value it would change (unless forced, which takes the
/// field), and removes fields it applied before and no one owns any more. Which lists merge by which keys,
/// which structs are atomic and which are pointers comes from the same k8s.io/api schema the protobuf
/// reader uses.
/// </summary>
public static class ManagedFields
{
    const char Sep = '\u0001';
    const string Member = ".";
    const int MaxUpdateEntries = 10;

    static readonly HashSet<string> ServerMetadata = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"];

    enum Scope { All, Main, Status }

    sealed record Entry(string Manager, string Operation, string? ApiVersion, string? Subresource, string? Time, HashSet<string> Fields)
    {
        public bool SameIdentity(Entry other) =>
            Manager == other.Manager && Operation == other.Operation && Subresource == other.Subresource && (Operation == "Apply" || ApiVersion == other.ApiVersion);
    }

    static Scope ScopeOf(ResourceType type, string? subresource) =>
        subresource == "status" ? Scope.Status : ClusterApi.HasStatusSubresource(type) ? Scope.Main : Scope.All;

    /// <summary>A field changed between two versions: a member node (a map, a list element) only when it came or went, a leaf when its value differs.</summary>
    static bool Changed(JsonNode? before, JsonNode? after, string path) =>
        path.EndsWith(Member, StringComparison.Ordinal) ? before is null != after is null : !Same(before, after);

    static ProtoMessage? MessageOf(ResourceType type) => ProtoSchema.Kubernetes.ForKind(type.GroupVersion, type.Kind);

    /// <summary>The managed fields after a create or update by <paramref name="manager"/>; null keeps an untracked object untracked.</summary>
    public static JsonArray? AfterUpdate(ResourceType type, JsonObject? old, JsonObject now, FieldManager manager, string? subresource, DateTime time)
    {
        var scope = ScopeOf(type, subresource);
        var message = MessageOf(type);
        var entries = old is null ? [] : Entries(old);
        if (old is not null && entries.Count == 0) return null;
        var before = old is null ? [] : SetOf(old, message, scope);
        var after = SetOf(now, message, scope);
        var changed = after.Where(p => !before.Contains(p) || Changed(ValueAt(old, p), ValueAt(now, p), p)).ToHashSet(StringComparer.Ordinal);
        var removed = before.Where(p => !after.Contains(p)).ToHashSet(StringComparer.Ordinal);
        var mine = new Entry(manager.Name, "Update", type.GroupVersion, subresource, null, []);
        var found = false;
        var result = new List<Entry>();
        foreach (var e in entries)
        {
            var fields = new HashSet<string>(e.Fields, StringComparer.Ordinal);
            if (e.SameIdentity(mine))
            {
                found = true;
                var grew = changed.Any(p => !fields.Contains(p));
                fields.UnionWith(changed);
                fields.ExceptWith(removed);
                result.Add(e with { Fields = fields, Time = grew || changed.Count > 0 ? Time(time) : e.Time });
            }
            else
            {
                fields.ExceptWith(changed);
                fields.ExceptWith(removed);
                result.Add(e with { Fields = fields });
            }
        }
        if (!found && changed.Count > 0) result.Add(mine with { Fields = changed, Time = Time(time) });
        return Write(Cap(result.Where(e => e.Fields.Count > 0).ToList(), time));
    }

    /// <summary>
    /// A server-side apply of <paramref name="manager"/>'s configuration to <paramref name="live"/> (null: the
    /// object does not exist yet): the merged object and its managed fields, or a 409 naming every conflict.
    /// </summary>
    public static (JsonObject Merged, JsonArray ManagedFields) Apply(ResourceType type, JsonObject? live, FieldManager manager, string? subresource, DateTime time)
    {
        var applied = manager.Applied!;
        var scope = ScopeOf(type, subresource);
        var message = MessageOf(type);
        var entries = live is null ? [] : Entries(live);
        // Fields set before anyone applied belong to the one who set them; the apiserver names that owner so.
        if (live is not null && entries.Count == 0)
            entries.Add(new Entry("before-first-apply", "Update", type.GroupVersion, subresource, Time(time), SetOf(live, message, scope)));
        var config = SetOf(applied, message, scope);
        var mine = new Entry(manager.Name, "Apply", type.GroupVersion, subresource, Time(time), config);

        var conflicts = new List<(Entry Owner, string Path)>();
        if (live is not null)
            foreach (var path in config)
            {
                var current = ValueAt(live, path);
                if (current is null || !Changed(current, ValueAt(applied, path), path)) continue;
                foreach (var owner in entries.Where(e => !e.SameIdentity(mine) && e.Fields.Contains(path))) conflicts.Add((owner, path));
            }
        if (conflicts.Count > 0 && !manager.Force) throw ConflictError(conflicts);
        foreach (var (owner, path) in conflicts) owner.Fields.Remove(path);

        var merged = live is null ? (JsonObject)applied.DeepClone() : StrategicMergePatch.Apply(live, applied);
        var previous = entries.FirstOrDefault(e => e.SameIdentity(mine))?.Fields ?? [];
        // What this manager applied before and applies no longer goes, unless someone else still owns it.
        foreach (var path in previous.Where(p => !config.Contains(p)).OrderByDescending(p => p.Length))
            if (!entries.Any(e => !e.SameIdentity(mine) && e.Fields.Contains(path))) RemoveAt(merged, path);

        var result = entries.Where(e => !e.SameIdentity(mine) && e.Fields.Count > 0).ToList();
        result.Add(mine);
        return (merged, Write(Cap(result, time)));
    }

    static ApiException ConflictError(List<(Entry Owner, string Path)> conflicts)
    {
        string Who(Entry e) => e.Operation == "Update"
            ? $"\"{e.Manager}\"{(e.Subresource is { Length: > 0 } s ? $" with subresource \"{s}\"" : "")} using {e.ApiVersion}"
            : $"\"{e.Manager}\"{(e.Subresource is { Length: > 0 } s2 ? $" with subresource \"{s2}\"" : "")}";
        var causes = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with {Who(c.Owner)}",
            ["field"] = Display(c.Path),
        })]);
        string text;
        if (conflicts.Count == 1) text = $"Apply failed with 1 conflict: conflict with {Who(conflicts[0].Owner)}: {Display(conflicts[0].Path)}";
        else
        {
            var lines = conflicts.GroupBy(c => c.Owner.Manager, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {Who(g.First().Owner)}:" }.Concat(g.Select(c => $"- {Display(c.Path)}")));
            text = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new ApiException(409, "Conflict", text, new JsonObject { ["causes"] = causes });
    }

    // ---------------------------------------------------------------- field sets

    static HashSet<string> SetOf(JsonObject obj, ProtoMessage? message, Scope scope)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var fields = message is null ? null : ProtoSchema.Kubernetes.JsonFields(message);
        foreach (var (key, value) in obj)
        {
            if (value is null || key is "apiVersion" or "kind") continue;
            if (scope == Scope.Status ? key != "status" : scope == Scope.Main && key == "status") continue;
            var path = "f:" + key;
            if (key == "metadata" && value is JsonObject meta)
            {
                foreach (var (m, v) in meta)
                    if (v is not null && !ServerMetadata.Contains(m))
                        Walk(v, MetaField(m), path + Sep + "f:" + m, set);
                continue;
            }
            Walk(value, fields?.GetValueOrDefault(key), path, set);
        }
        return set;
    }

    static ProtoField? MetaField(string name) =>
        ProtoSchema.Kubernetes.Find("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta") is { } meta ? ProtoSchema.Kubernetes.JsonFields(meta).GetValueOrDefault(name) : null;

    static void Walk(JsonNode value, ProtoField? field, string path, HashSet<string> set)
    {
        switch (value)
        {
            case JsonObject o when field?.Type == "map":
                if (field.Atomic || o.Count == 0) { set.Add(path); return; }
                set.Add(path + Sep + Member);
                var valueMessage = field.MapValue is { } t && !ProtoSchema.IsScalar(t) ? ProtoSchema.Kubernetes.Find(t) : null;
                foreach (var (k, v) in o)
                    if (v is not null)
                    {
                        if (valueMessage is not null && v is JsonObject) WalkMessage((JsonObject)v, valueMessage, path + Sep + "f:" + k, set);
                        else set.Add(path + Sep + "f:" + k);
                    }
                return;
            case JsonObject o:
                var message = field is null ? null : ProtoSchema.Kubernetes.Find(field.Type);
                if (message is null || message.Atomic || field!.Atomic || o.Count == 0) { set.Add(path); return; }
                if (field.Pointer) set.Add(path + Sep + Member);
                WalkMessage(o, message, path, set);
                return;
            case JsonArray a when field is { List: "map", ListKeys: { } keys } && ProtoSchema.Kubernetes.Find(field.Type) is { } item:
                foreach (var element in a.OfType<JsonObject>())
                {
                    var child = path + Sep + "k:" + KeyOf(element, keys);
                    set.Add(child + Sep + Member);
                    WalkMessage(element, item, child, set);
                }
                return;
            case JsonArray a when field is { List: "set" }:
                foreach (var element in a) set.Add(path + Sep + "v:" + (element?.ToJsonString() ?? "null"));
                return;
            default:
                set.Add(path);
                return;
        }
    }

    static void WalkMessage(JsonObject o, ProtoMessage message, string path, HashSet<string> set)
    {
        var fields = ProtoSchema.Kubernetes.JsonFields(message);
        foreach (var (k, v) in o)
            if (v is not null) Walk(v, fields.GetValueOrDefault(k), path + Sep + "f:" + k, set);
    }

    /// <summary>A list-map element's key as fieldsV1 writes it: <c>{"containerPort":80,"protocol":"TCP"}</c> (a key left out takes its default: TCP).</summary>
    static string KeyOf(JsonObject element, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var k in keys)
            if (element[k] is { } v) key[k] = v.DeepClone();
            else if (k == "protocol") key[k] = "TCP";
        return key.ToJsonString();
    }

    static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>The value a path names in an object (for a list-map key or a set member: the element; for ".": the node).</summary>
    static JsonNode? ValueAt(JsonNode? root, string path)
    {
        var node = root;
        foreach (var element in path.Split(Sep))
        {
            if (node is null) return null;
            node = element switch
            {
                Member => node,
                _ when element.StartsWith("f:", StringComparison.Ordinal) => (node as JsonObject)?[element[2..]],
                _ when element.StartsWith("k:", StringComparison.Ordinal) => FindElement(node as JsonArray, JsonNode.Parse(element[2..]) as JsonObject),
                _ when element.StartsWith("v:", StringComparison.Ordinal) => (node as JsonArray)?.FirstOrDefault(e => Same(e, JsonNode.Parse(element[2..]))),
                _ => null,
            };
        }
        return node;
    }

    static JsonObject? FindElement(JsonArray? list, JsonObject? key) =>
        key is null ? null : list?.OfType<JsonObject>().FirstOrDefault(e => key.All(k => Same(e[k.Key] ?? (k.Key == "protocol" ? JsonValue.Create("TCP") : null), k.Value)));

    /// <summary>Removes what a path names (a field, a list element, a set member) from the object.</summary>
    static void RemoveAt(JsonObject root, string path)
    {
        var elements = path.Split(Sep);
        if (elements[^1] == Member) elements = elements[..^1];
        if (elements.Length == 0) return;
        var parent = ValueAt(root, string.Join(Sep, elements[..^1]));
        var last = elements[^1];
        if (last.StartsWith("f:", StringComparison.Ordinal)) (parent as JsonObject)?.Remove(last[2..]);
        else if (parent is JsonArray list && ValueAt(root, string.Join(Sep, elements)) is { } element) list.Remove(element);
    }

    // ---------------------------------------------------------------- fieldsV1

    static int Rank(string element) => element == Member ? 0 : element[0] switch { 'f' => 1, 'k' => 2, 'v' => 3, _ => 4 };

    sealed class ElementOrder : IComparer<string>
    {
        public static readonly ElementOrder Instance = new();
        public int Compare(string? x, string? y) => Rank(x!) != Rank(y!) ? Rank(x!).CompareTo(Rank(y!)) : string.CompareOrdinal(x, y);
    }

    static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new SortedDictionary<string, object>(ElementOrder.Instance);
        foreach (var path in paths)
        {
            var node = root;
            foreach (var element in path.Split(Sep))
            {
                if (!node.TryGetValue(element, out var child)) node[element] = child = new SortedDictionary<string, object>(ElementOrder.Instance);
                node = (SortedDictionary<string, object>)child;
            }
        }
        static JsonObject Json(SortedDictionary<string, object> node) => new(node.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Json((SortedDictionary<string, object>)kv.Value))));
        return Json(root);
    }

    static IEnumerable<string> FromFieldsV1(JsonObject fields, string prefix)
    {
        foreach (var (key, value) in fields)
        {
            var path = prefix.Length == 0 ? key : prefix + Sep + key;
            if (value is JsonObject { Count: > 0 } children)
                foreach (var p in FromFieldsV1(children, path)) yield return p;
            else yield return path;
        }
    }

    /// <summary>A path as structured-merge-diff prints it: <c>.spec.template.spec.containers[name="web"].image</c>.</summary>
    static string Display(string path)
    {
        var text = new StringBuilder();
        foreach (var element in path.Split(Sep))
        {
            if (element == Member) continue;
            if (element.StartsWith("f:", StringComparison.Ordinal)) text.Append('.').Append(element[2..]);
            else if (element.StartsWith("k:", StringComparison.Ordinal) && JsonNode.Parse(element[2..]) is JsonObject key)
                text.Append('[').Append(string.Join(",", key.Select(k => $"{k.Key}={k.Value?.ToJsonString()}"))).Append(']');
            else if (element.StartsWith("v:", StringComparison.Ordinal)) text.Append("[=").Append(element[2..]).Append(']');
            else if (element.StartsWith("i:", StringComparison.Ordinal)) text.Append('[').Append(element[2..]).Append(']');
        }
        return text.ToString();
    }

    // ---------------------------------------------------------------- entries

    static string Time(DateTime time) => ModelJson.Timestamp(new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero));

    static List<Entry> Entries(JsonObject obj)
    {
        var list = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray entries) return list;
        foreach (var e in entries.OfType<JsonObject>())
            list.Add(new Entry(e["manager"]?.ToString() ?? "", e["operation"]?.ToString() ?? "Update", e["apiVersion"]?.ToString(), e["subresource"]?.ToString() is { Length: > 0 } s ? s : null,
                e["time"]?.ToString(), e["fieldsV1"] is JsonObject f ? FromFieldsV1(f, "").ToHashSet(StringComparer.Ordinal) : []));
        return list;
    }

    /// <summary>At most ten Update entries: the oldest are merged into one named "ancient-changes" (managedfields' capmanagers.go).</summary>
    static List<Entry> Cap(List<Entry> entries, DateTime time)
    {
        var updates = entries.Where(e => e.Operation == "Update").OrderBy(e => e.Time, StringComparer.Ordinal).ToList();
        if (updates.Count <= MaxUpdateEntries) return entries;
        var oldest = updates.Take(updates.Count - MaxUpdateEntries + 1).ToList();
        var ancient = new Entry("ancient-changes", "Update", oldest[^1].ApiVersion, null, oldest[^1].Time ?? Time(time), new HashSet<string>(oldest.SelectMany(e => e.Fields), StringComparer.Ordinal));
        return [.. entries.Except(oldest), ancient];
    }

    static JsonArray Write(List<Entry> entries) => new([.. entries
        .OrderBy(e => e.Operation == "Apply" ? 0 : 1).ThenBy(e => e.Time, StringComparer.Ordinal).ThenBy(e => e.Manager, StringComparer.Ordinal)
        .Select(e =>
        {
            var json = new JsonObject { ["manager"] = e.Manager, ["operation"] = e.Operation, ["apiVersion"] = e.ApiVersion, ["time"] = e.Time, ["fieldsType"] = "FieldsV1", ["fieldsV1"] = ToFieldsV1(e.Fields) };
            if (e.Subresource is { } s) json["subresource"] = s;
            return (JsonNode)json;
        })]);
}
