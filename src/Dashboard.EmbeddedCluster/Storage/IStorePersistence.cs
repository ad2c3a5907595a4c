using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Kubernetes;

namespace Dashboard.EmbeddedCluster.Storage;

/// <summary>Durable storage behind the object store; called under the store's lock, in commit order.</summary>
public interface IStorePersistence : IDisposable
{
    long LastResourceVersion { get; }
    IEnumerable<StoredObject> Load();
    void Written(StoredObject stored);
    void Deleted(ResourceType type, string? ns, string name, long resourceVersion);
}

/// <summary>
/// A write-ahead log on disk: each committed write is appended and flushed to the device before the
/// API answers, so an acknowledged write survives a crash, as etcd promises. At start the log is
/// replayed and compacted into a fresh one holding just the live objects.
/// </summary>
public sealed class FileStorePersistence : IStorePersistence
{
    readonly string _path;
    FileStream? _log;
    List<StoredObject>? _loaded;

    public FileStorePersistence(string dataPath)
    {
        Directory.CreateDirectory(dataPath);
        _path = Path.Combine(dataPath, "store.jsonl");
    }

    public long LastResourceVersion { get; private set; }

    public IEnumerable<StoredObject> Load()
    {
        if (_loaded is not null) return _loaded;
        var live = new Dictionary<(string, string), StoredObject>();
        if (File.Exists(_path))
        {
            foreach (var line in File.ReadLines(_path))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                JsonObject? entry;
                try { entry = JsonNode.Parse(line) as JsonObject; }
                catch (JsonException) { break; } // a torn final line from a crash mid-append was never acknowledged
                if (entry is null) continue;
                var type = ResourceTypes.Find(entry["gv"]!.GetValue<string>(), entry["r"]!.GetValue<string>());
                if (type is null) continue;
                var rv = entry["rv"]!.GetValue<long>();
                LastResourceVersion = Math.Max(LastResourceVersion, rv);
                var key = entry["k"]!.GetValue<string>();
                if (entry["o"] is JsonObject obj) live[(type.Key, key)] = new StoredObject(type, (JsonObject)obj.DeepClone(), rv);
                else live.Remove((type.Key, key));
            }
        }
        _loaded = live.Values.OrderBy(o => o.ResourceVersion).ToList();
        Compact(_loaded);
        return _loaded;
    }

    void Compact(List<StoredObject> live)
    {
        var temp = _path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            foreach (var stored in live) writer.WriteLine(Entry(stored.Type, stored.Key, stored.ResourceVersion, stored.Object));
            // Keep the high-water mark even when the newest write was a deletion.
            writer.WriteLine(Entry(ResourceTypes.Namespaces, "\u0000rv", LastResourceVersion, null));
        }
        File.Move(temp, _path, overwrite: true);
        _log = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
    }

    static string Entry(ResourceType type, string key, long rv, JsonObject? obj)
    {
        var entry = new JsonObject { ["gv"] = type.GroupVersion, ["r"] = type.Plural, ["k"] = key, ["rv"] = rv };
        if (obj is not null) entry["o"] = obj.DeepClone();
        return entry.ToJsonString(ModelJson.Wire);
    }

    void Append(string line)
    {
        if (_log is null) Load();
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        _log!.Write(bytes);
        _log.Flush(flushToDisk: true);
    }

    public void Written(StoredObject stored) => Append(Entry(stored.Type, stored.Key, stored.ResourceVersion, stored.Object));

    public void Deleted(ResourceType type, string? ns, string name, long resourceVersion) =>
        Append(Entry(type, StoredObject.StoreKey(ns, name), resourceVersion, null));

    public void Dispose() => _log?.Dispose();
}
