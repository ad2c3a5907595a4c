using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Dashboard.EmbeddedCluster.Protobuf;

namespace Dashboard.EmbeddedCluster.Api;

/// <summary>
/// The component schemas of an OpenAPI v3 group-version document, built from the same k8s.io/api schema the
/// protobuf reader uses (every field, its JSON type, list types and keys) with the documentation comments of
/// its generated.proto files as descriptions: what <c>kubectl explain</c> walks, and what a client that
/// validates against the server's OpenAPI reads. Names follow kube-openapi's (<c>io.k8s.api.apps.v1.Deployment</c>).
/// </summary>
public static class OpenApiSchemas
{
    const string Meta = "k8s.io.apimachinery.pkg.apis.meta.v1";

    static readonly Lazy<FrozenDictionary<string, string>> Descriptions = new(() =>
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in ProtoSchema.Read("proto/descriptions.txt").Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var tab = line.IndexOf('\t');
            if (tab > 0) all[line[..tab]] = line[(tab + 1)..].Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return all.ToFrozenDictionary(StringComparer.Ordinal);
    });

    /// <summary>kube-openapi's name for a message: the Go package path reversed at its domain.</summary>
    public static string NameOf(string message) => message.StartsWith("k8s.io.", StringComparison.Ordinal) ? "io.k8s." + message["k8s.io.".Length..] : message;

    /// <summary>The schemas of the kinds served at a group-version, and of everything they refer to.</summary>
    public static JsonObject For(IEnumerable<ResourceType> types)
    {
        var schemas = new JsonObject();
        var pending = new Queue<string>();
        var kinds = new Dictionary<string, ResourceType>(StringComparer.Ordinal);
        foreach (var type in types)
            if (ProtoSchema.Kubernetes.ForKind(type.GroupVersion, type.Kind) is { } message)
            {
                kinds[message.FullName] = type;
                pending.Enqueue(message.FullName);
            }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var name))
        {
            if (!seen.Add(name)) continue;
            schemas[NameOf(name)] = Schema(name, kinds.GetValueOrDefault(name), pending);
        }
        return schemas;
    }

    static JsonObject Schema(string name, ResourceType? kind, Queue<string> pending)
    {
        var described = Descriptions.Value.GetValueOrDefault(name);
        JsonObject With(JsonObject schema)
        {
            if (described is not null) schema["description"] = described;
            return schema;
        }
        switch (name)
        {
            case $"{Meta}.Time":
                return With(new JsonObject { ["type"] = "string", ["format"] = "date-time" });
            case $"{Meta}.MicroTime":
                return With(new JsonObject { ["type"] = "string", ["format"] = "date-time" });
            case $"{Meta}.Duration":
                return With(new JsonObject { ["type"] = "string" });
            case $"{Meta}.FieldsV1" or "k8s.io.apimachinery.pkg.runtime.RawExtension":
                return With(new JsonObject { ["type"] = "object" });
            case "k8s.io.apimachinery.pkg.api.resource.Quantity":
                return With(new JsonObject { ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" }) });
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                return With(new JsonObject { ["format"] = "int-or-string", ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }) });
        }
        var message = ProtoSchema.Kubernetes.Find(name)!;
        var properties = new JsonObject();
        var fields = ProtoSchema.Kubernetes.JsonFields(message);
        if (fields.ContainsKey("metadata") && fields["metadata"].Type is $"{Meta}.ObjectMeta" or $"{Meta}.ListMeta")
        {
            properties["apiVersion"] = new JsonObject { ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources", ["type"] = "string" };
            properties["kind"] = new JsonObject { ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", ["type"] = "string" };
        }
        foreach (var (json, field) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var owner = OwnerOf(message, field);
            var property = Property(field, pending);
            if (Descriptions.Value.GetValueOrDefault($"{owner}.{field.Name}") is { } text) property["description"] = text;
            properties[json] = property;
        }
        var schema = With(new JsonObject { ["type"] = "object", ["properties"] = properties });
        if (message.Atomic) schema["x-kubernetes-map-type"] = "atomic";
        if (kind is not null)
            schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = kind.Group, ["kind"] = kind.Kind, ["version"] = kind.Version });
        return schema;
    }

    /// <summary>The message that declares a field (an inline struct's fields are declared in it, not in the parent).</summary>
    static string OwnerOf(ProtoMessage message, ProtoField field)
    {
        if (message.Fields.Values.Contains(field)) return message.FullName;
        foreach (var inline in message.Fields.Values.Where(f => f.Inline))
            if (ProtoSchema.Kubernetes.Find(inline.Type) is { } inner && OwnerOf(inner, field) is { Length: > 0 } found) return found;
        return "";
    }

    static JsonObject Property(ProtoField field, Queue<string> pending)
    {
        JsonObject Of(string type)
        {
            if (ProtoSchema.IsScalar(type)) return Scalar(type);
            pending.Enqueue(type);
            return new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = $"#/components/schemas/{NameOf(type)}" }) };
        }
        if (field.Type == "map")
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = Of(field.MapValue!) };
        if (!field.Repeated) return Of(field.Type);
        var array = new JsonObject { ["type"] = "array", ["items"] = Of(field.Type) };
        if (field.List == "map")
        {
            array["x-kubernetes-list-type"] = "map";
            array["x-kubernetes-list-map-keys"] = new JsonArray([.. field.ListKeys!.Select(k => (JsonNode)k)]);
        }
        else array["x-kubernetes-list-type"] = field.List ?? "atomic";
        return array;
    }

    static JsonObject Scalar(string type) => type switch
    {
        "string" => new JsonObject { ["type"] = "string" },
        "bytes" => new JsonObject { ["type"] = "string", ["format"] = "byte" },
        "bool" => new JsonObject { ["type"] = "boolean" },
        "int32" or "sint32" or "uint32" or "fixed32" => new JsonObject { ["type"] = "integer", ["format"] = "int32" },
        "double" or "float" => new JsonObject { ["type"] = "number", ["format"] = "double" },
        _ => new JsonObject { ["type"] = "integer", ["format"] = "int64" },
    };
}
