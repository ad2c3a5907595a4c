using System.Text.Json.Nodes;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Storage;

/// <summary>
/// One committed version of an object. The JSON is never mutated once stored: writers build a new
/// object and readers that want to change something deep-clone first, so watchers can share it.
/// </summary>
public sealed class StoredObject(ResourceType type, JsonObject obj, long resourceVersion)
{
    string? _json;
    object? _view;

    public ResourceType Type { get; } = type;
    public JsonObject Object { get; } = obj;
    public long ResourceVersion { get; } = resourceVersion;
    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
    public string Name => Object["metadata"]?["name"]?.GetValue<string>() ?? "";
    public string Key => StoreKey(Namespace, Name);

    /// <summary>Serialised once and shared by every watcher and list that sends this version.</summary>
    public string Json => _json ??= Object.ToJsonString(ModelJson.Wire);

    /// <summary>
    /// The typed model of this version, made once and shared by every reader. Controllers read all pods of a
    /// ReplicaSet on each sync; deserialising them every time cost the cluster half a core at 50 pod events a
    /// second. Readers must not change it: writes go through a fresh copy (<see cref="Clone"/>).
    /// </summary>
    public T View<T>() where T : class => _view as T ?? (T)(_view = ModelJson.ToModel<T>(Object));

    public JsonObject Clone() => (JsonObject)Object.DeepClone();

    public static string StoreKey(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";
}

public enum StoreEventType { Added, Modified, Deleted }

public sealed record StoreEvent(StoreEventType Type, StoredObject Object, StoredObject? Previous)
{
    public long ResourceVersion => Object.ResourceVersion;

    public string TypeName => Type switch
    {
        StoreEventType.Added => "ADDED",
        StoreEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };
}
